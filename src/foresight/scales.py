"""The published scales foresight speaks: Admiralty grading, TLP 2.0, weights, yardsticks.

Every number here is documented in the README ("The maths of the engine").
"""

from __future__ import annotations

import datetime as dt
import math

# NATO Admiralty system (AJP-2.1 / STANAG 2511): source reliability and information
# credibility, worded exactly as the standard words them.
RELIABILITY: dict[str, str] = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY: dict[int, str] = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}

# How much of a report's likelihood ratio counts. Judged grades step down evenly by
# 0.2; "cannot be judged" (F, 6) sits at the midpoint 0.5: neither trusted nor
# dismissed, so an F6 report counts a quarter (0.5 x 0.5) of a confirmed A1 report.
RELIABILITY_TRUST: dict[str, float] = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
CREDIBILITY_TRUST: dict[int, float] = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.5}

# The engine counts days from here (small, exact decay exponents); stores score rows with it.
EPOCH_DATE = dt.date(2000, 1, 1)

# "Looked for and not found" describes one moment. A report of absence of a lasting fact
# (no half-life) loses half its weight after a year: by then the question has usually been
# asked again, and an old "not yet" says little about today.
DEFAULT_ABSENT_HALF_LIFE_DAYS = 365

# A settling report (a weight with `settles:`) prompts a resolution when its trust is at
# least that of a strong match graded B2 (1.0 x 0.8 x 0.8): usually reliable, probably true.
ACTIONABLE_TRUST = 0.64

# One grade worse, for the robustness check: A->B->C->D->E and 1->2->3->4->5; the worst
# judged grades (E, 5) stay, and "cannot be judged" (F, 6) stays what it is.
WORSE_RELIABILITY = {"A": "B", "B": "C", "C": "D", "D": "E", "E": "E", "F": "F"}
WORSE_CREDIBILITY = {1: 2, 2: 3, 3: 4, 4: 5, 5: 5, 6: 6}

# How clearly the event fits the indicator's description.
STRENGTH: dict[str, float] = {"strong": 1.0, "moderate": 0.6, "weak": 0.3}

# FIRST Traffic Light Protocol 2.0, from least to most restricted.
TLP_LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
TLP_MEANING: dict[str, str] = {
    "CLEAR": "Recipients can spread this to the world, there is no limit on disclosure.",
    "GREEN": "Limited disclosure, recipients can spread this within their community.",
    "AMBER": "Limited disclosure, recipients can only spread this on a need-to-know basis "
    "within their organization and its clients.",
    "AMBER+STRICT": "Limited disclosure, recipients can only spread this on a need-to-know "
    "basis within their organization.",
    "RED": "For the eyes and ears of individual recipients only, no further disclosure.",
}

# Weight words and the likelihood ratios they stand for. "decisive" sits at 20, the edge
# of "strong" evidence in Kass & Raftery's (1995) scale for Bayes factors; the rest halve
# the log-ratio roughly step by step so that words read as an analyst would expect.
WEIGHTS: dict[str, float] = {
    "decisive-for": 20.0,
    "strong-for": 5.0,
    "moderate-for": 2.5,
    "weak-for": 1.5,
    "neutral": 1.0,
    "weak-against": 1 / 1.5,
    "moderate-against": 1 / 2.5,
    "strong-against": 1 / 5.0,
    "decisive-against": 1 / 20.0,
}
MIN_RATIO, MAX_RATIO = 1e-3, 1e3

# Weight words are judgements, not constants. The range each word stands for, taken as an
# 80% interval of its likelihood ratio (a normal in log-ratio with the range's width);
# "against" words mirror "for" words. Every range keeps its word's side and stays narrower
# than the step to the next word, so a word never reads as its neighbour's mistake.
WEIGHT_RANGES: dict[str, tuple[float, float]] = {
    "decisive-for": (10.0, 40.0),
    "strong-for": (3.5, 8.0),
    "moderate-for": (2.0, 3.5),
    "weak-for": (1.25, 2.0),
    "neutral": (1.0, 1.0),
    "weak-against": (1 / 2.0, 1 / 1.25),
    "moderate-against": (1 / 3.5, 1 / 2.0),
    "strong-against": (1 / 8.0, 1 / 3.5),
    "decisive-against": (1 / 40.0, 1 / 10.0),
}
# A numeric ratio r carries the default 80% range r**0.75 … r**1.35 (in log-ratio,
# 0.75 to 1.35 times ln r: about the width of the word ranges).
NUMERIC_RANGE = (0.75, 1.35)
# The words in order of strength, for "one word weaker or stronger"; a numeric ratio moves
# by WORD_STEP in log-ratio (the words' log-ratios grow by about 1.8x per step).
WORD_LADDER = ("neutral", "weak-for", "moderate-for", "strong-for", "decisive-for")
WORD_STEP = 1.8

# Estimative yardsticks: (low, high, phrase), probabilities as fractions.
# US ICD 203 "Analytic Standards" (2015), section D.6.e(2)(a): the first row of terms
# (the second row, "remote" … "nearly certain", names the same bands).
ICD203: tuple[tuple[float, float, str], ...] = (
    (0.00, 0.05, "almost no chance"),
    (0.05, 0.20, "very unlikely"),
    (0.20, 0.45, "unlikely"),
    (0.45, 0.55, "roughly even chance"),
    (0.55, 0.80, "likely"),
    (0.80, 0.95, "very likely"),
    (0.95, 1.00, "almost certain"),
)
# UK Professional Head of Intelligence Assessment probability yardstick (2019 edition).
# Its gaps between bands are deliberate; values that fall in one are phrased as
# lying between the two neighbouring bands.
PHIA: tuple[tuple[float, float, str], ...] = (
    (0.00, 0.05, "remote chance"),
    (0.10, 0.20, "highly unlikely"),
    (0.25, 0.35, "unlikely"),
    (0.40, 0.50, "realistic possibility"),
    (0.55, 0.75, "likely or probably"),
    (0.80, 0.90, "highly likely"),
    (0.95, 1.00, "almost certain"),
)
YARDSTICKS = {"icd203": ICD203, "phia": PHIA}
YARDSTICK_TITLES = {
    "icd203": "US ICD 203 (Office of the Director of National Intelligence, 2015)",
    "phia": "UK PHIA Probability Yardstick (Professional Head of Intelligence Assessment, 2019)",
}


def weight_ratio(value: str | float) -> float:
    """Turn a weight word or number into its likelihood ratio."""
    if isinstance(value, str):
        return WEIGHTS[value]
    return float(value)


def trust(strength: float, reliability: str, credibility: int) -> float:
    """Combine match strength and Admiralty grading into one factor in [0, 1]."""
    return strength * RELIABILITY_TRUST[reliability] * CREDIBILITY_TRUST[credibility]


def estimative(probability: float, yardstick: str = "icd203") -> str:
    """Phrase a probability on the chosen yardstick."""
    bands = YARDSTICKS[yardstick]
    p = min(max(probability, 0.0), 1.0)
    for i, (low, high, phrase) in enumerate(bands):
        last = i == len(bands) - 1
        if low <= p < high or (last and p <= high):
            return phrase
        if i + 1 < len(bands) and high <= p < bands[i + 1][0]:
            return f"between {phrase} and {bands[i + 1][2]}"
    return bands[-1][2]


def tlp_rank(level: str) -> int:
    """Position of a TLP level, 0 for CLEAR up to 4 for RED."""
    return TLP_LEVELS.index(level)


def normalise_tlp(value: str) -> str:
    """Accept 'amber+strict', 'TLP:AMBER' and the like; return the canonical level."""
    text = value.strip().upper()
    if text.startswith("TLP:"):
        text = text[4:]
    if text not in TLP_LEVELS:
        raise ValueError(f"'{value}' is not a TLP 2.0 level ({', '.join(TLP_LEVELS)})")
    return text


def logit(p: float) -> float:
    """Log-odds of a probability."""
    return math.log(p / (1.0 - p))


def log_ratio_spread(value: str | float) -> float:
    """The standard deviation of a weight's log-likelihood ratio (from its 80% range)."""
    if isinstance(value, str):
        low, high = WEIGHT_RANGES[value]
        width = math.log(high) - math.log(low)
    else:
        width = abs(math.log(float(value))) * (NUMERIC_RANGE[1] - NUMERIC_RANGE[0])
    return width / (2 * Z80)


def shifted_log_ratio(value: str | float, steps: int) -> float:
    """A weight's log-likelihood ratio one word (steps=1) stronger or (steps=-1) weaker."""
    if isinstance(value, str):
        against = value.endswith("-against")
        name = value.replace("-against", "-for")
        index = min(max(WORD_LADDER.index(name) + steps, 0), len(WORD_LADDER) - 1)
        if WORD_LADDER.index(name) == len(WORD_LADDER) - 1 and steps > 0:
            log = math.log(WEIGHTS[name]) * WORD_STEP  # beyond decisive: one step further
        else:
            log = math.log(WEIGHTS[WORD_LADDER[index]])
        return -log if against else log
    log = math.log(float(value)) * (WORD_STEP if steps > 0 else 1 / WORD_STEP)
    return max(math.log(MIN_RATIO), min(math.log(MAX_RATIO), log))


Z80 = 1.2815515655446004  # the standard normal's 90th percentile: bounds of an 80% interval
