"""foresight: scenario tracking for analysts, from priors and evidence to monthly briefs."""

__version__ = "0.1.0"
