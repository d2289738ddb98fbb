"""The definitions analysts write by hand: workspace settings, scenarios and indicators."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from foresight import bounds, scales
from foresight.definitions import (
    IndicatorTraits,
    ScenarioTraits,
    SourceDocumentTraits,
    WeightTraits,
)

#: A date in a definition: YYYY-MM-DD text (or a date), within the supported range.
Day = Annotated[dt.date, BeforeValidator(bounds.day_field)]
#: A half-life in whole days, 1 to MAX_HALF_LIFE_DAYS, or None for a lasting fact.
HalfLife = Annotated[int | None, BeforeValidator(bounds.half_life_field)]
#: A finite number given as a number (true/false and text are refused).
Number = Annotated[float, BeforeValidator(bounds.number_field)]

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
WeightValue = Annotated[
    str | float,
    Field(
        description="A weight word (decisive-for … decisive-against, neutral) or a likelihood "
        f"ratio between {scales.MIN_RATIO} and {scales.MAX_RATIO}."
    ),
]


_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
_DURATION = re.compile(r"^\s*([0-9]+)\s*(days?|weeks?)\s*$", re.IGNORECASE)


def _percent(value: Any) -> Any:
    """'10%' -> 0.1; anything else unchanged (and checked as a number)."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1)) / 100
    return value


def _days(value: Any) -> Any:
    """'30 days' -> 30, '6 weeks' -> 42; anything else unchanged (and checked as a number)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            count = int(match.group(1))
            return count * 7 if match.group(2).lower().startswith("week") else count
    return value


class Strict(BaseModel):
    """Base for every definition: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


PUBLISHED = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


class SourceDocument(SourceDocumentTraits, Strict):
    """One document of the workspace's source register (sources.yaml)."""

    id: Slug = Field(description="Unique slug that observations, scenarios and weights cite.")
    title: Text = Field(description="The document's title, as published.")
    author: Text | None = Field(default=None, description="Who wrote it, if named.")
    outlet: Text | None = Field(
        default=None, description="Where it was published: a publisher, journal or website."
    )
    published: str = Field(
        description="When it was published: YYYY, YYYY-MM or YYYY-MM-DD, as precise as known."
    )
    url: str | None = Field(default=None, description="Where it can be read (http or https).")
    file: str | None = Field(
        default=None, description="The analysts' local copy; never shown in a brief."
    )

    @field_validator("published", mode="before")
    @classmethod
    def _published(cls, value: object) -> object:
        text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
        if not PUBLISHED.match(text):
            raise ValueError(f"'{text}' is not a date")
        return text

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("a source's url must start with https:// or http://")
        return value


class SourceRegister(Strict):
    """The workspace's source register: the documents its definitions and log cite."""

    documents: list[SourceDocument] = Field(
        default_factory=list, description="Every document, each with a unique id."
    )


class SourceRef(Strict):
    """A document that motivates a prior or a weight, with a short quote from it."""

    document: Text = Field(
        description="The id of a document in sources.yaml, or the document's name as free text."
    )
    quote: Text = Field(description="A short quote from the document that motivates the value.")
    url: str | None = Field(default=None, description="Where the document can be read, if online.")


class UserEntry(Strict):
    """Someone who may use the web app (`foresight serve`), with a role and a clearance."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")] = Field(
        description="The login name: letters, digits and . _ @ - (at most 64)."
    )
    password: Annotated[
        str,
        StringConstraints(pattern=r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"),
    ] = Field(
        description="An scrypt hash of the password, as 'foresight serve --hash-password' "
        "prints it; never the password itself."
    )
    role: Literal["reader", "analyst", "admin"] = Field(
        description="reader: reads; analyst: also logs observations and resolutions; "
        "admin: also corrects what others logged."
    )
    clearance: str = Field(
        description="The highest TLP level the user may see; observations above it are "
        "withheld from every page they see."
    )

    @field_validator("clearance")
    @classmethod
    def _tlp(cls, value: str) -> str:
        return scales.normalise_tlp(value)


class WorkspaceConfig(Strict):
    """The settings in foresight.yaml."""

    name: Text = Field(description="The workspace's name, shown on every brief.")
    description: str = Field(default="", description="What this workspace tracks.")
    yardstick: Literal["icd203", "phia"] = Field(
        default="icd203", description="Estimative yardstick for probability phrases."
    )
    database: Text = Field(
        default=".foresight/foresight.db",
        description="SQLite file (relative to the workspace) or a postgresql:// URL.",
    )
    default_tlp: str = Field(default="GREEN", description="TLP marking of new observations.")
    default_audience: str = Field(default="AMBER", description="Default audience of a brief.")
    methodology_appendix: bool = Field(
        default=True,
        description="Whether a brief ends with the methodology appendix (scales and model).",
    )
    users: list[UserEntry] = Field(
        default_factory=list,
        description="Who may use the web app; needed to serve on any address but 127.0.0.1.",
    )

    @field_validator("default_tlp", "default_audience")
    @classmethod
    def _tlp(cls, value: str) -> str:
        return scales.normalise_tlp(value)

    @field_validator("users")
    @classmethod
    def _unique_users(cls, value: list[UserEntry]) -> list[UserEntry]:
        names = [user.name.lower() for user in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"user names must be unique; {', '.join(twice)} appears twice")
        return value


class Scenario(ScenarioTraits, Strict):
    """A possible future with a prior probability, a horizon and a resolution test."""

    id: Slug = Field(description="Unique slug: lower-case letters, digits and hyphens.")
    title: Text = Field(description="One-line name of the scenario.")
    short_title: ShortText | None = Field(
        default=None,
        description="A name of at most 32 characters for table headers and chart labels.",
    )
    summary: Text = Field(description="A few sentences describing the future it stands for.")
    prior: Number = Field(ge=0.001, le=0.999, description="Prior probability, from 0.001 to 0.999.")
    prior_rationale: Text = Field(description="Why the prior has this value.")
    prior_set_on: Day = Field(description="The date the prior was set (YYYY-MM-DD).")
    horizon: Day = Field(description="The date by which the scenario would have happened.")
    resolution: Text = Field(description="The observable outcome that settles it either way.")
    group: Slug | None = Field(
        default=None,
        description="Exclusive group: scenarios sharing a group are mutually exclusive.",
    )
    implies: list[Slug] = Field(
        default_factory=list,
        description="Scenarios this one implies: it cannot be more likely than any of them.",
    )
    sources: list[SourceRef] = Field(min_length=1, description="Documents behind the prior.")

    @field_validator("implies", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("prior", mode="before")
    @classmethod
    def _prior_in_percent(cls, value: Any) -> Any:
        return _percent(value)

    @field_validator("horizon")
    @classmethod
    def _horizon_after_prior(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        set_on = info.data.get("prior_set_on")
        if set_on and value <= set_on:
            raise ValueError(f"the horizon must come after prior_set_on ({set_on})")
        return value


class Weight(WeightTraits, Strict):
    """How much one indicator moves one scenario, observed and looked-for-but-absent."""

    observed: WeightValue = Field(description="Likelihood ratio when the indicator is observed.")
    absent: WeightValue | None = Field(
        default=None,
        description="Likelihood ratio when looked for and absent; none means absence is neutral.",
    )
    settles: Literal["happened", "did-not-happen"] | None = Field(
        default=None,
        description="Observing the indicator meets the scenario's resolution criterion: "
        "such reports never age for it, and a well-graded one prompts a resolution.",
    )
    sources: list[SourceRef] = Field(default_factory=list, description="Documents behind it.")

    @field_validator("settles")
    @classmethod
    def _settles_agrees(cls, value: str | None, info: ValidationInfo) -> str | None:
        observed = info.data.get("observed")
        if value is None or observed is None:
            return value
        ratio = scales.weight_ratio(observed)
        if (value == "happened") != (ratio > 1.0):
            wanted = "a weight for the scenario" if value == "happened" else "a weight against it"
            raise ValueError(f"'settles: {value}' needs {wanted} when observed")
        return value

    @field_validator("observed", "absent")
    @classmethod
    def _ratio(cls, value: str | float | None) -> str | float | None:
        if value is None:
            return None
        if isinstance(value, str):
            if value not in scales.WEIGHTS:
                from foresight.suggest import did_you_mean

                raise ValueError(f"unknown weight '{value}'{did_you_mean(value, scales.WEIGHTS)}")
            return value
        if not scales.MIN_RATIO <= value <= scales.MAX_RATIO:
            raise ValueError(
                f"a likelihood ratio must lie between {scales.MIN_RATIO} and {scales.MAX_RATIO}"
            )
        return float(value)


class Indicator(IndicatorTraits, Strict):
    """A signpost: what counts as seeing it, and how much that moves each scenario."""

    id: Slug = Field(description="Unique slug: lower-case letters, digits and hyphens.")
    title: Text = Field(description="One-line name of the signpost.")
    description: Text = Field(description="What exactly counts as observing it.")
    weights: dict[Slug, Weight] = Field(
        min_length=1, description="Per-scenario weights, keyed by scenario id."
    )
    half_life_days: HalfLife = Field(
        description="Days after which a report counts half; null for lasting facts.",
    )
    absent_half_life_days: HalfLife = Field(
        default=None,
        description="Days after which a report of absence counts half (default: "
        "half_life_days, or DEFAULT_ABSENT_HALF_LIFE_DAYS for lasting facts).",
    )
    expected_by: Day | None = Field(
        default=None, description="If it is going to happen, it should have by this date."
    )
    sources: list[SourceRef] = Field(min_length=1, description="Documents behind the signpost.")

    @field_validator("weights", mode="before")
    @classmethod
    def _shorthand_weights(cls, value: Any) -> Any:
        # `scenario-id: moderate-for` is short for `scenario-id: {observed: moderate-for}`.
        if isinstance(value, dict):
            return {
                key: {"observed": weight} if isinstance(weight, str | int | float) else weight
                for key, weight in value.items()
            }
        return value

    @field_validator("half_life_days", "absent_half_life_days", mode="before")
    @classmethod
    def _half_life_in_words(cls, value: Any) -> Any:
        return _days(value)


MODELS: tuple[type[Strict], ...] = (
    WorkspaceConfig,
    UserEntry,
    Scenario,
    Indicator,
    Weight,
    SourceRef,
    SourceDocument,
    SourceRegister,
)
