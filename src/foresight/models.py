"""The definitions analysts write by hand: workspace settings, scenarios and indicators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from foresight import scales
from foresight.bounds import Day, HalfLife, Number

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WeightValue = Annotated[
    str | float,
    Field(
        description="A weight word (decisive-for … decisive-against, neutral) or a likelihood "
        f"ratio between {scales.MIN_RATIO} and {scales.MAX_RATIO}."
    ),
]


class Strict(BaseModel):
    """Base for every definition: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class SourceRef(Strict):
    """A document that motivates a prior or a weight, with a short quote from it."""

    document: Text = Field(description="The document's file name or title.")
    quote: Text = Field(description="A short quote from the document that motivates the value.")
    url: str | None = Field(default=None, description="Where the document can be read, if online.")


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

    @field_validator("default_tlp", "default_audience")
    @classmethod
    def _tlp(cls, value: str) -> str:
        return scales.normalise_tlp(value)


class Scenario(Strict):
    """A possible future with a prior probability, a horizon and a resolution test."""

    id: Slug = Field(description="Unique slug: lower-case letters, digits and hyphens.")
    title: Text = Field(description="One-line name of the scenario.")
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
    sources: list[SourceRef] = Field(min_length=1, description="Documents behind the prior.")

    @field_validator("horizon")
    @classmethod
    def _horizon_after_prior(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        set_on = info.data.get("prior_set_on")
        if set_on and value <= set_on:
            raise ValueError(f"the horizon must come after prior_set_on ({set_on})")
        return value


class Weight(Strict):
    """How much one indicator moves one scenario, observed and looked-for-but-absent."""

    observed: WeightValue = Field(description="Likelihood ratio when the indicator is observed.")
    absent: WeightValue | None = Field(
        default=None,
        description="Likelihood ratio when looked for and absent; none means absence is neutral.",
    )
    sources: list[SourceRef] = Field(default_factory=list, description="Documents behind it.")

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

    @property
    def observed_ratio(self) -> float:
        """Likelihood ratio applied when the indicator is observed."""
        return scales.weight_ratio(self.observed)

    @property
    def absent_ratio(self) -> float:
        """Likelihood ratio applied when the indicator was looked for and absent."""
        return 1.0 if self.absent is None else scales.weight_ratio(self.absent)


class Indicator(Strict):
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
    expected_by: Day | None = Field(
        default=None, description="If it is going to happen, it should have by this date."
    )
    sources: list[SourceRef] = Field(min_length=1, description="Documents behind the signpost.")


MODELS: tuple[type[Strict], ...] = (WorkspaceConfig, Scenario, Indicator, Weight, SourceRef)
