"""The serve command: the team's web app over the workspace."""

from __future__ import annotations

import sys

import click

from foresight.cli.common import note


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but 127.0.0.1 needs users in foresight.yaml.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--hash-password",
    is_flag=True,
    help="Read a password (prompted, or from stdin) and print its scrypt hash for "
    "foresight.yaml; serve nothing.",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, hash_password: bool) -> None:
    """Serve the web app: dashboard, observation form, log, briefs and resolutions.

    On 127.0.0.1 with no users in foresight.yaml, it runs for you alone. To let
    others in, list users (name, password hash, role, clearance) in foresight.yaml
    and serve on another address, behind a TLS reverse proxy (see the README).

    \b
    Example:
      foresight serve
      foresight serve --hash-password
      foresight serve --host 0.0.0.0 --port 8080
    """
    if hash_password:
        from foresight.web.auth import hash_password as make_hash

        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("the password is empty")
        click.echo(make_hash(password))
        return
    try:
        import uvicorn

        from foresight.web import Site, create_app
    except ImportError as exc:
        from foresight.errors import ForesightError

        raise ForesightError(
            f"the web app needs its extra packages ({exc.name} is missing); install them "
            "with: pip install 'foresight[web]'"
        ) from None
    from foresight.workspace import find_root

    obj = ctx.find_root().obj or {}
    site = Site.open(find_root(obj.get("workspace")), obj.get("db"), host)
    who = (
        f"for {site.local_user.name} alone (no users in foresight.yaml)"
        if site.local_user
        else f"for {len(site.users)} user(s)"
    )
    shown = f"[{host}]" if ":" in host else host
    note(f"Serving {site.config.name} on http://{shown}:{port}/ {who}. Stop with Ctrl+C.")
    uvicorn.run(
        create_app(site),
        host=host,
        port=port,
        proxy_headers=True,
        server_header=False,
        log_level="warning",
    )
