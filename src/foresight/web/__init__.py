"""The team's web app (`foresight serve`): another thin face over the core, like the CLI.

Starlette routes call the same workspace, store, intake, engine and report functions as
the commands do; pages are rendered by the package's one jinja2 environment from
templates under templates/web/.
"""

from __future__ import annotations

from foresight.web.app import create_app
from foresight.web.site import AccessError, Site

__all__ = ["AccessError", "Site", "create_app"]
