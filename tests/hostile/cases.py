"""The hostile-input corpus: malformed definitions, config files, import files and values.

Each case is what an attacker or a careless export could hand foresight, and the one
clear message foresight must answer with (a part of it). The tests in this folder run
every case through the command line in a subprocess with a timeout.

Definition and config cases edit one line of a fresh workspace (or replace a whole
file): (id, file, old, new, expected); ``old`` None replaces the file. Import cases are
(id, file name, content, expected). Command-line cases are (id, arguments, expected).
"""

from __future__ import annotations

SCENARIO = "scenarios/example-scenario.yaml"
INDICATOR = "indicators/example-indicator.yaml"
CONFIG = "foresight.yaml"

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
DEEP = "[" * 100_000 + "]" * 100_000
NESTED_40 = "[" * 40 + "]" * 40
LONG_DIGITS = "9" * 5_000
HUGE = "1" + "0" * 30


def _scenario_cases() -> list[tuple[str, str, str | None, str, str]]:
    s = SCENARIO
    prior, set_on, horizon = "prior: 0.3 ", "prior_set_on: 2026-01-01 ", "horizon: 2027-12-31 "
    title = "title: The border reopens to trade"
    cases = [
        ("s-billion-laughs", s, None, BILLION_LAUGHS, "YAML aliases (*a) are not allowed"),
        ("s-recursive-alias", s, title, "title: &x [*x]", "YAML aliases (*x) are not allowed"),
        ("s-simple-alias", s, title, "title: &t x\nsubtitle: *t", "YAML aliases (*t)"),
        ("s-merge-key", s, title, "<<: {title: x}", "merge keys (<<) are not supported"),
        ("s-alias-merge", s, title, "base: &b {x: 1}\n<<: *b", "YAML aliases (*b)"),
        ("s-prior-5000-digits", s, prior, f"prior: {LONG_DIGITS} ", "is too large a number"),
        ("s-prior-int-tag-abc", s, prior, "prior: !!int abc ", "'abc' is not a valid int"),
        ("s-prior-float-tag-abc", s, prior, "prior: !!float abc ", "is not a valid float"),
        ("s-prior-bool-tag-abc", s, prior, "prior: !!bool abc ", "is not a valid bool"),
        ("s-prior-inf", s, prior, "prior: 1.0e400 ", "'1.0e400' is too large a number"),
        ("s-prior-exponent-text", s, prior, "prior: 1e400 ", "prior: '1e400' is not a probability"),
        ("s-prior-nan-text", s, prior, "prior: .nan ", "prior: '.nan' is not a probability"),
        ("s-prior-true", s, prior, "prior: true ", "prior: must be a number, not true/false"),
        ("s-prior-quoted", s, prior, 'prior: "0.3" ', "prior: '0.3' is not a probability"),
        ("s-prior-hex", s, prior, "prior: 0x1F ", "prior: '0x1F' is not a probability"),
        ("s-prior-underscore", s, prior, "prior: 0_3 ", "prior: '0_3' is not a probability"),
        (
            "s-prior-negative-zero",
            s,
            prior,
            "prior: -0.0 ",
            "prior: must be at least 0.001 (got -0.0",
        ),
        ("s-prior-huge", s, prior, f"prior: {HUGE} ", "is too large a number"),
        ("s-prior-list", s, prior, "prior: [0.3] ", "prior: must be a number, not a list"),
        ("s-prior-null", s, prior, "prior: ", "prior: must be a number, not nothing"),
        ("s-date-timestamp", s, set_on, "prior_set_on: 2026-01-01T10:00:00 ", "is not a date"),
        ("s-date-compact", s, set_on, "prior_set_on: 20260101 ", "not a number"),
        ("s-date-compact-text", s, set_on, "prior_set_on: '20260101' ", "is not a date"),
        ("s-date-week", s, set_on, "prior_set_on: 2026-W01-2 ", "is not a date"),
        ("s-date-year-1", s, set_on, "prior_set_on: 0001-01-01 ", "outside the supported dates"),
        ("s-date-year-9999", s, horizon, "horizon: 9999-12-31 ", "outside the supported dates"),
        ("s-date-unix-int", s, set_on, "prior_set_on: 1767225600 ", "not a number"),
        ("s-date-timestamp-tag", s, set_on, "prior_set_on: !!timestamp 2026-01-01 ", "tag"),
        ("s-date-month-13", s, set_on, "prior_set_on: 2026-13-01 ", "not a date in the calendar"),
        ("s-date-feb-30", s, set_on, "prior_set_on: 2026-02-30 ", "not a date in the calendar"),
        ("s-horizon-first", s, horizon, "horizon: 2025-01-01 ", "must come after prior_set_on"),
        ("s-binary-tag", s, title, "title: !!binary aGVsbG8=", "tag tag:yaml.org,2002:binary"),
        ("s-python-object", s, title, "title: !!python/object/apply:os.system [x]", "not allowed"),
        ("s-python-name", s, title, "title: !!python/name:os.system ''", "is not allowed here"),
        ("s-local-tag", s, title, "title: !evil x", "the tag !evil is not allowed here"),
        ("s-set-tag", s, title, "title: !!set {a: null}", "is not allowed here"),
        ("s-deep-nesting", s, title, "title: " + DEEP, "nest"),
        ("s-nesting-40", s, title, "title: " + NESTED_40, "is nested more than 32 levels deep"),
        ("s-duplicate-key", s, title, title + "\n" + title, "duplicate key"),
        ("s-unknown-key", s, title, title + "\nowner: x", "owner: unknown key"),
        ("s-mapping-key", s, title, title + "\n? [a, b]\n: c", "a key must be plain text"),
        ("s-top-level-list", s, None, "- id: x\n", "must be a mapping of keys to values"),
        ("s-top-level-scalar", s, None, "just text\n", "must be a mapping of keys to values"),
        ("s-empty", s, None, "", "is empty"),
        ("s-only-comments", s, None, "# nothing\n# here\n", "is empty"),
        ("s-tab-indent", s, title, "title:\n\t- x", "YAML syntax error"),
        ("s-unclosed-quote", s, title, 'title: "never closed', "YAML syntax error"),
        ("s-two-documents", s, None, "id: a\n---\nid: b\n", "YAML syntax error"),
        ("s-id-path", s, "id: example-scenario", "id: ../../etc/passwd", "is not a valid id"),
        ("s-id-upper", s, "id: example-scenario", "id: Example", "id: 'Example' is not a valid id"),
        ("s-id-unicode", s, "id: example-scenario", "id: ехаmple", "is not a valid id"),
        ("s-id-number", s, "id: example-scenario", "id: 12", "no indicator can move"),
        ("s-title-empty", s, title, 'title: ""', "title: must not be empty"),
        ("s-sources-empty", s, "sources:", "sources: []\nx:", "x: unknown key"),
        ("s-group-bad", s, title, title + "\ngroup: Bad Group", "is not a valid group"),
        ("s-surrogate", s, title, 'title: "\\ud800"', "escape"),
        ("s-key-surrogate", s, title, title + '\n"\\udfff": x', "escape"),
        ("s-key-billion", s, None, "x: &x y\n*x : z\n", "YAML aliases (*x)"),
        ("s-title-escape", s, title, 'title: "\\e[2J\\e]8;;http://evil\\e\\\\x"', "U+001B"),
        ("s-title-csi", s, title, 'title: "\\x9b31m red"', "holds a control character (U+009B)"),
        ("s-title-bidi", s, title, 'title: "\\u202eevil"', "holds a control character (U+202E)"),
        ("s-rationale-bell", s, "prior_rationale: >-", 'prior_rationale: "\\a"\nx: >-', "U+0007"),
        ("s-too-big", s, None, "id: x\ntitle: " + "t" * 300_000 + "\n", "larger than 256 KiB"),
    ]
    return cases


def _indicator_cases() -> list[tuple[str, str, str | None, str, str]]:
    i = INDICATOR
    half = "half_life_days: 90"
    observed = "observed: moderate-for "
    expected_by = "expected_by: 2027-06-30 "
    return [
        (
            "i-half-life-inf-text",
            i,
            half,
            "half_life_days: 1e400",
            "'1e400' is not a number of days",
        ),
        ("i-half-life-inf", i, half, "half_life_days: 1.0e400", "is too large a number"),
        ("i-half-life-true", i, half, "half_life_days: true", "not true/false"),
        ("i-half-life-text", i, half, 'half_life_days: "45"', "'45' is not a number of days"),
        ("i-half-life-zero", i, half, "half_life_days: 0", "0 is outside 1 to 36525 days"),
        ("i-half-life-negative", i, half, "half_life_days: -1", "is outside 1 to 36525 days"),
        ("i-half-life-fraction", i, half, "half_life_days: 4.5", "4.5 is not a whole number"),
        ("i-half-life-century", i, half, "half_life_days: 36526", "is outside 1 to 36525 days"),
        ("i-half-life-digits", i, half, f"half_life_days: {LONG_DIGITS}", "too large a number"),
        ("i-half-life-huge", i, half, f"half_life_days: {HUGE}", "is too large a number"),
        ("i-half-life-int-tag", i, half, "half_life_days: !!int abc", "is not a valid int"),
        ("i-half-life-list", i, half, "half_life_days: [90]", "not a list"),
        ("i-expected-timestamp", i, expected_by, "expected_by: 2027-06-30 10:00 ", "not a date"),
        ("i-expected-far", i, expected_by, "expected_by: 3000-01-01 ", "outside the supported"),
        ("i-ratio-inf", i, observed, "observed: 1.0e400 ", "is too large a number"),
        ("i-ratio-zero", i, observed, "observed: 0.0 ", "must lie between"),
        ("i-ratio-negative", i, observed, "observed: -2.5 ", "must lie between"),
        ("i-ratio-word", i, observed, "observed: decisive ", "unknown weight 'decisive'"),
        ("i-ratio-alias", i, observed, "observed: &w strong-for\n    absent: *w", "aliases (*w)"),
        ("i-weights-billion", i, None, BILLION_LAUGHS, "YAML aliases (*a) are not allowed"),
        ("i-weights-list", i, "weights:", "weights: []\nx:", "x: unknown key"),
        ("i-weights-bad-key", i, "  example-scenario:", "  Bad Key:", "weights.Bad Key"),
        ("i-weights-unknown", i, "  example-scenario:", "  no-such:", "no scenario has the id"),
        ("i-weights-deep", i, observed, "observed: " + NESTED_40, "more than 32 levels"),
        ("i-description-merge", i, half, half + "\n<<: {a: 1}", "merge keys"),
        ("i-sources-null", i, "sources:\n  - document", "sources: ~\nx:\n  - document", "x:"),
        ("i-binary-file", i, None, "id: x\x00\n", "is a binary file"),
        ("i-deep-nesting", i, None, "weights: " + DEEP, "nest"),
    ]


def _config_cases() -> list[tuple[str, str, str | None, str, str]]:
    c = CONFIG
    db = "database: .foresight/foresight.db"
    name = 'name: "ws"'
    return [
        ("c-billion-laughs", c, None, "name: x\n" + BILLION_LAUGHS, "YAML aliases (*a)"),
        ("c-recursive-alias", c, name, "name: &x [*x]", "YAML aliases (*x) are not allowed"),
        ("c-name-missing", c, name, "", "name: missing required field"),
        ("c-name-list", c, name, "name: [a]", "name: must be text, not ['a']"),
        (
            "c-yardstick",
            c,
            "yardstick: icd203",
            "yardstick: xyz",
            "yardstick: 'xyz' is not allowed (write icd203 or phia)",
        ),
        ("c-database-escapes", c, db, "database: ../x/y/z.db", "leads outside the workspace"),
        ("c-database-empty", c, db, 'database: ""', "database: must not be empty"),
        ("c-database-ftp", c, db, "database: ftp://host/x", "cannot open a 'ftp://' database"),
        ("c-database-dev-null", c, db, "database: /dev/null", "is not a regular file"),
        ("c-database-folder", c, db, "database: /tmp", "is not a regular file"),
        (
            "c-database-bad-url",
            c,
            db,
            "database: postgresql://u:Bad%zzS3cretPW@h/db",
            "is not a valid PostgreSQL connection string",
        ),
        ("c-tlp", c, "default_tlp: GREEN", "default_tlp: purple", "default_tlp: 'purple'"),
        ("c-audience", c, "default_audience: AMBER", 'default_audience: ""', "default_audience"),
        ("c-unknown-key", c, name, name + "\ncolour: red", "colour: unknown key"),
        ("c-digits", c, name, f"name: x\nyardstick: {LONG_DIGITS}", "is too large a number"),
        ("c-int-tag", c, name, "name: !!int abc", "'abc' is not a valid int"),
        ("c-deep", c, name, "name: " + DEEP, "nest"),
        ("c-python-tag", c, name, "name: !!python/object/apply:os.system [x]", "not allowed"),
        ("c-list", c, None, "- name: x\n", "must be a mapping of keys to values"),
        ("c-duplicate", c, name, name + "\n" + name, "duplicate key"),
        ("c-empty", c, None, "", "is empty"),
        ("c-binary", c, None, "name: x\x00\n", "is a binary file"),
        ("c-not-utf8", c, None, b"name: caf\xe9\n", "is not valid UTF-8"),
        ("c-surrogate", c, name, 'name: "\\udc00"', "escape"),
        ("c-too-big", c, None, "name: x\n" + "# padding\n" * 30_000, "is larger than 256 KiB"),
    ]


SCENARIO_CASES = _scenario_cases()
INDICATOR_CASES = _indicator_cases()
CONFIG_CASES = _config_cases()
DEFINITION_CASES = SCENARIO_CASES + INDICATOR_CASES + CONFIG_CASES

HEADER = "indicator,observed_on,source,reliability,credibility"
GOOD = "example-indicator,2021-09-17,Report,B,2"
AUDIT = "indicator,observed_on,source,reliability,credibility,id,recorded_at,retracted_at"
ROW = '{"indicator": "example-indicator", "observed_on": "2021-09-17", "source": "R", '
ROW += '"reliability": "B", "credibility": 2'


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def _jsonl(extra: str) -> str:
    return ROW + extra + "}\n"


def _yaml(extra: str) -> str:
    return (
        "- indicator: example-indicator\n  observed_on: 2021-09-17\n  source: R\n"
        "  reliability: B\n  credibility: 2\n" + extra
    )


def _import_cases() -> list[tuple[str, str, str | bytes, str]]:
    g = "example-indicator,"
    a = "example-indicator,2021-09-17,Report,B,2,"
    return [
        ("csv-id-2-63", "a.csv", _csv(a + "9223372036854775808,,", header=AUDIT), "id: '92"),
        ("csv-id-2-63-minus-1", "a.csv", _csv(a + f"{2**63 - 1},,", header=AUDIT), "id: '92"),
        ("csv-id-2-53", "a.csv", _csv(a + f"{2**53},,", header=AUDIT), "id: '9007199254740992'"),
        ("csv-id-zero", "a.csv", _csv(a + "0,,", header=AUDIT), "id: '0' is not an observation"),
        ("csv-id-negative", "a.csv", _csv(a + "-1,,", header=AUDIT), "id: '-1' is not an"),
        ("csv-id-exponent", "a.csv", _csv(a + "1e3,,", header=AUDIT), "id: '1e3' is not an"),
        ("csv-id-fullwidth", "a.csv", _csv(a + "１,,", header=AUDIT), "id: '１' is not an"),
        (
            "csv-recorded-9999",
            "a.csv",
            _csv(a + "1,9999-12-31T23:00:00-05:00,", header=AUDIT),
            "recorded_at: '9999-12-31T23:00:00-05:00' is outside the supported dates",
        ),
        (
            "csv-recorded-0001",
            "a.csv",
            _csv(a + "1,0001-01-01T00:30:00+05:00,", header=AUDIT),
            "recorded_at: '0001-01-01T00:30:00+05:00' is outside the supported dates",
        ),
        (
            "csv-retracted-9999",
            "a.csv",
            _csv(a + "1,2021-09-18T10:00:00,9999-12-31T23:00:00-05:00", header=AUDIT),
            "retracted_at: '9999-12-31T23:00:00-05:00' is outside",
        ),
        (
            "csv-retracted-0001",
            "a.csv",
            _csv(a + "1,2021-09-18T10:00:00,0001-01-01T00:30:00+05:00", header=AUDIT),
            "retracted_at: '0001-01-01T00:30:00+05:00' is outside",
        ),
        (
            "csv-recorded-date-only",
            "a.csv",
            _csv(a + "1,2021-09-18,", header=AUDIT),
            "recorded_at: '2021-09-18' is not a date and time",
        ),
        (
            "csv-recorded-week",
            "a.csv",
            _csv(a + "1,2021-W37-5T10:00,", header=AUDIT),
            "is not a date and time",
        ),
        ("csv-date-compact", "a.csv", _csv(g + "20210601,R,B,2"), "'20210601' is not a date"),
        ("csv-date-week", "a.csv", _csv(g + "2021-W22-2,R,B,2"), "'2021-W22-2' is not a date"),
        ("csv-date-year-1", "a.csv", _csv(g + "0001-01-01,R,B,2"), "is before 1900-01-01"),
        ("csv-date-9999", "a.csv", _csv(g + "9999-12-31,R,B,2"), "9999-12-31 is in the future"),
        ("csv-date-feb-30", "a.csv", _csv(g + "2021-02-30,R,B,2"), "'2021-02-30' is not a date"),
        ("csv-date-fullwidth", "a.csv", _csv(g + "２０２１-06-01,R,B,2"), "is not a date"),
        (
            "csv-strength-fullwidth",
            "a.csv",
            _csv(GOOD + ",１", header=HEADER + ",strength"),
            "strength: '１' is not a strength",
        ),
        (
            "csv-strength-nan",
            "a.csv",
            _csv(GOOD + ",nan", header=HEADER + ",strength"),
            "strength: 'nan' is outside (0, 1]",
        ),
        (
            "csv-strength-inf",
            "a.csv",
            _csv(GOOD + ",inf", header=HEADER + ",strength"),
            "strength: 'inf' is outside (0, 1]",
        ),
        (
            "csv-strength-tiny",
            "a.csv",
            _csv(GOOD + ",1e-400", header=HEADER + ",strength"),
            "strength: '1e-400' is outside (0, 1]",
        ),
        (
            "csv-strength-huge",
            "a.csv",
            _csv(GOOD + ",1e400", header=HEADER + ",strength"),
            "strength: '1e400' is outside (0, 1]",
        ),
        (
            "csv-strength-digits",
            "a.csv",
            _csv(GOOD + "," + LONG_DIGITS, header=HEADER + ",strength"),
            "is outside (0, 1]",
        ),
        ("csv-credibility-fullwidth", "a.csv", _csv(g + "2021-09-17,R,B,６"), "credibility: '６'"),
        ("csv-reliability-fullwidth", "a.csv", _csv(g + "2021-09-17,R,Ｂ,2"), "reliability: 'Ｂ'"),
        ("csv-tlp-blank", "a.csv", _csv(GOOD + ",purple", header=HEADER + ",tlp"), "tlp: 'purple'"),
        (
            "csv-note-too-long",
            "a.csv",
            _csv(GOOD + ",x" * 1 + "y" * 100_000, header=HEADER + ",note"),
            "note: is 100,001 characters long",
        ),
        (
            "csv-field-over-limit",
            "a.csv",
            _csv(GOOD + "," + "y" * 200_000, header=HEADER + ",note"),
            "is not valid CSV: field larger than field limit",
        ),
        ("csv-unclosed-quote", "a.csv", _csv(g + '2021-09-17,"R,B,2'), "is not valid CSV"),
        (
            "csv-duplicate-column",
            "a.csv",
            _csv(GOOD + ",x", header=HEADER + ",source"),
            "source: the column appears twice",
        ),
        (
            "csv-missing-column",
            "a.csv",
            "indicator,observed_on\nx,2021-01-01\n",
            "source: required column is missing",
        ),
        (
            "csv-unknown-column",
            "a.csv",
            _csv(GOOD + ",x", header=HEADER + ",evil"),
            "evil: unknown column",
        ),
        ("csv-header-only", "a.csv", HEADER + "\n", "holds no observations"),
        ("csv-short-row", "a.csv", _csv(g + "2021-09-17"), "has 2 fields but the header has 5"),
        ("csv-nul", "a.csv", _csv(GOOD) + "\x00", "is a binary file"),
        ("csv-not-utf8", "a.csv", _csv(GOOD).encode() + b"caf\xe9\n", "is not valid UTF-8"),
        ("csv-empty", "a.csv", "", "is empty"),
        ("csv-bom-only", "a.csv", "\ufeff", "is empty"),
        ("csv-whitespace-only", "a.csv", " \n\n\t\n", "is empty"),
        (
            "csv-analyst-newline",
            "a.csv",
            _csv(GOOD + ',"a\nb"', header=HEADER + ",analyst"),
            "analyst: must be on one line",
        ),
        (
            "csv-amends-self",
            "a.csv",
            _csv(GOOD + ",1,1", header=HEADER + ",id,amends"),
            "an observation cannot amend itself",
        ),
        (
            "csv-unknown-indicator",
            "a.csv",
            _csv("evil-indicator,2021-09-17,R,B,2"),
            "unknown indicator 'evil-indicator'",
        ),
        ("jsonl-surrogate", "a.jsonl", _jsonl(', "note": "\\ud800"'), "holds a lone surrogate"),
        ("jsonl-surrogate-key", "a.jsonl", _jsonl(', "\\udfff": 1'), "holds a lone surrogate"),
        ("jsonl-deep", "a.jsonl", "[" * 100_000 + "]" * 100_000 + "\n", "is nested too deeply"),
        (
            "jsonl-deep-object",
            "a.jsonl",
            '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n",
            "is nested too deeply",
        ),
        ("jsonl-5000-digits", "a.jsonl", _jsonl(', "id": ' + LONG_DIGITS), "not usable JSON"),
        ("jsonl-id-2-63", "a.jsonl", _jsonl(', "id": 9223372036854775808'), "id: 92233"),
        ("jsonl-id-float", "a.jsonl", _jsonl(', "id": 1.0'), "id: 1.0 is not an observation"),
        ("jsonl-id-true", "a.jsonl", _jsonl(', "id": true'), "id: true is not an observation"),
        ("jsonl-strength-huge", "a.jsonl", _jsonl(', "strength": 1e400'), "is outside (0, 1]"),
        ("jsonl-strength-nan", "a.jsonl", _jsonl(', "strength": NaN'), "is outside (0, 1]"),
        ("jsonl-strength-infinity", "a.jsonl", _jsonl(', "strength": -Infinity'), "outside"),
        (
            "jsonl-recorded-9999",
            "a.jsonl",
            _jsonl(', "recorded_at": "9999-12-31T23:00:00-05:00"'),
            "is outside the supported dates",
        ),
        (
            "jsonl-recorded-0001",
            "a.jsonl",
            _jsonl(', "recorded_at": "0001-01-01T00:30:00+05:00"'),
            "is outside the supported dates",
        ),
        (
            "jsonl-source-object",
            "a.jsonl",
            ROW.replace('"R"', '{"a": 1}') + "}\n",
            "source: must be text, not a mapping",
        ),
        ("jsonl-duplicate-key", "a.jsonl", _jsonl(', "source": "S"'), "the key appears twice"),
        ("jsonl-array", "a.jsonl", "[1, 2]\n", "must be a JSON object {...}, not a list"),
        ("jsonl-string", "a.jsonl", '"x"\n', "must be a JSON object {...}, not text"),
        ("jsonl-bad-json", "a.jsonl", "{\n", "is not valid JSON"),
        ("jsonl-trailing", "a.jsonl", _jsonl("").rstrip() + " x\n", "is not valid JSON"),
        ("jsonl-nul-escape", "a.jsonl", _jsonl(', "note": "a\\u0000b"'), "contains a NUL"),
        (
            "jsonl-long-line",
            "a.jsonl",
            _jsonl(', "note": "' + "x" * 2_200_000 + '"'),
            "is longer than 2,097,152 characters",
        ),
        ("yaml-billion-laughs", "a.yaml", BILLION_LAUGHS, "YAML aliases (*a) are not allowed"),
        ("yaml-recursive-alias", "a.yaml", "- &x [*x]\n", "YAML aliases (*x) are not allowed"),
        (
            "yaml-row-alias",
            "a.yaml",
            _yaml("- *r\n").replace("- indicator", "- &r indicator", 1),
            "YAML aliases",
        ),
        ("yaml-int-tag", "a.yaml", _yaml("  id: !!int abc\n"), "'abc' is not a valid int"),
        ("yaml-5000-digits", "a.yaml", _yaml(f"  id: {LONG_DIGITS}\n"), "too large a number"),
        ("yaml-id-2-63", "a.yaml", _yaml("  id: 9223372036854775808\n"), "is not an observation"),
        ("yaml-deep", "a.yaml", DEEP + "\n", "nest"),
        ("yaml-nested-40", "a.yaml", NESTED_40 + "\n", "is nested more than 32 levels deep"),
        ("yaml-python-tag", "a.yaml", "- !!python/object/apply:os.system [x]\n", "not allowed"),
        (
            "yaml-timestamp-tag",
            "a.yaml",
            _yaml("  recorded_at: !!timestamp 2021-09-18\n"),
            "is not allowed here",
        ),
        ("yaml-surrogate", "a.yaml", _yaml('  note: "\\ud800"\n'), "escape"),
        (
            "yaml-recorded-9999",
            "a.yaml",
            _yaml("  recorded_at: 9999-12-31T23:00:00-05:00\n"),
            "is outside the supported dates",
        ),
        ("yaml-mapping", "a.yaml", "indicator: x\n", "must be a list of observations"),
        ("yaml-merge", "a.yaml", _yaml("  <<: {note: x}\n"), "merge keys (<<) are not supported"),
        ("yaml-strength-inf", "a.yaml", _yaml("  strength: 1.0e400\n"), "too large a number"),
        (
            "yaml-date-compact",
            "a.yaml",
            _yaml("").replace("2021-09-17", "20210917"),
            "'20210917' is not a date",
        ),
    ]


IMPORT_CASES = _import_cases()

# Values typed on the command line; {ws} is the workspace folder, {tmp} a scratch one.
CLI_CASES: list[tuple[str, list[str], str]] = [
    ("retract-2-63", ["retract", "9223372036854775808", "--reason", "x"], "is not an id"),
    ("retract-2-64", ["retract", "18446744073709551616", "--reason", "x"], "is not an id"),
    ("retract-zero", ["retract", "0", "--reason", "x"], "'0' is not an id"),
    ("retract-negative", ["retract", "--reason", "x", "--", "-1"], "'-1' is not an id"),
    ("retract-exponent", ["retract", "1e3", "--reason", "x"], "'1e3' is not an id"),
    ("retract-fullwidth", ["retract", "１", "--reason", "x"], "'１' is not an id"),
    (
        "retract-unknown",
        ["retract", "9007199254740991", "--reason", "x"],
        "the log has no observation 9007199254740991",
    ),
    (
        "amend-20-digits",
        ["amend", "99999999999999999999", "--reason", "x", "--note", "y"],
        "is not an id",
    ),
    (
        "amend-2-63-minus-1",
        ["amend", str(2**63 - 1), "--reason", "x", "--note", "y"],
        "is not an id",
    ),
    ("status-as-of-year-1", ["status", "--as-of", "0001-01-01"], "outside the supported dates"),
    ("status-as-of-9999", ["status", "--as-of", "9999-12-31"], "outside the supported dates"),
    ("status-as-of-compact", ["status", "--as-of", "20210601"], "'20210601' is not a date"),
    ("status-as-of-week", ["status", "--as-of", "2021-W22-2"], "'2021-W22-2' is not a date"),
    ("favoured-as-of-year-1", ["favoured", "--as-of", "0001-01-01"], "outside the supported"),
    (
        "explain-as-of-year-1",
        ["explain", "example-scenario", "--as-of", "0001-01-01"],
        "outside the supported dates",
    ),
    ("history-from-year-1", ["history", "--all", "--from", "0001-01-01"], "outside the supported"),
    ("history-to-9999", ["history", "--all", "--to", "9999-12-31"], "outside the supported"),
    ("log-since-week", ["log", "--since", "2021-W22-2"], "'2021-W22-2' is not a date"),
    ("log-until-year-1", ["log", "--until", "0001-01-01"], "outside the supported dates"),
    ("scorecard-from-year-1", ["scorecard", "--from", "0001-01-01"], "outside the supported"),
    (
        "observe-date-compact",
        [
            "observe",
            "example-indicator",
            "--date",
            "20210601",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "'20210601' is not a date",
    ),
    (
        "observe-date-week",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-W22-2",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "'2021-W22-2' is not a date",
    ),
    (
        "observe-date-year-1",
        [
            "observe",
            "example-indicator",
            "--date",
            "0001-01-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "outside the supported",
    ),
    (
        "observe-date-future",
        [
            "observe",
            "example-indicator",
            "--date",
            "2150-01-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "is in the future",
    ),
    (
        "observe-tlp-empty",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--tlp",
            "",
        ],
        "--tlp': is empty",
    ),
    (
        "observe-tlp-blank",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--tlp",
            " ",
        ],
        "--tlp': is empty",
    ),
    (
        "observe-strength-fullwidth",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--strength",
            "１",
        ],
        "strength: '１' is not a strength",
    ),
    (
        "observe-strength-nan",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--strength",
            "nan",
        ],
        "strength: 'nan' is outside (0, 1]",
    ),
    (
        "observe-strength-inf",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--strength",
            "inf",
        ],
        "strength: 'inf' is outside (0, 1]",
    ),
    (
        "observe-credibility-fullwidth",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "２",
        ],
        "credibility: '２'",
    ),
    (
        "observe-source-blank",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            " ",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "source: is required",
    ),
    (
        "observe-note-too-long",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--note",
            "n" * 100_001,
        ],
        "note: is 100,001 characters long",
    ),
    (
        "observe-analyst-newline",
        [
            "observe",
            "example-indicator",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
            "--analyst",
            "a\nb",
        ],
        "--analyst must be a name on one line",
    ),
    (
        "observe-unknown-indicator",
        [
            "observe",
            "[bold]evil[/bold]",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "unknown indicator '[bold]evil[/bold]'",
    ),
    (
        "observe-escape-indicator",
        [
            "observe",
            "\x1b[2Jevil",
            "--date",
            "2021-06-01",
            "--source",
            "R",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ],
        "unknown indicator '\\x1b[2Jevil'",
    ),
    (
        "resolve-on-year-1",
        [
            "resolve",
            "example-scenario",
            "--outcome",
            "happened",
            "--on",
            "0001-01-01",
            "--source",
            "x",
        ],
        "outside the supported dates",
    ),
    (
        "resolve-markup-scenario",
        [
            "resolve",
            "[link=https://evil.example]x",
            "--outcome",
            "happened",
            "--on",
            "2026-06-01",
            "--source",
            "x",
        ],
        "[link=https://evil.example]x",
    ),
    ("brief-month-year-1", ["brief", "--month", "0001-01"], "outside the supported dates"),
    ("brief-month-9999", ["brief", "--month", "9999-12"], "outside the supported dates"),
    ("brief-month-13", ["brief", "--month", "2021-13"], "'2021-13' is not a month"),
    ("brief-out-empty", ["brief", "--month", "2021-11", "--out", ""], "is empty; name a folder"),
    ("brief-out-blank", ["brief", "--month", "2021-11", "--out", "  "], "is empty; name a"),
    (
        "brief-out-file",
        ["brief", "--month", "2021-11", "--out", "{ws}/foresight.yaml"],
        "is a file",
    ),
    (
        "brief-snapshots-symlink",
        ["brief", "--month", "2021-11", "--out", "{tmp}/linked"],
        ".snapshots is a symbolic link",
    ),
    ("export-output-dir", ["export", "--output", "{tmp}"], "is a directory"),
    ("export-output-symlink", ["export", "--output", "{tmp}/link.csv"], "is a symbolic link"),
    ("export-output-fifo", ["export", "--output", "{tmp}/fifo.csv"], "is not a regular file"),
    ("export-format-unknown", ["export", "--output", "{tmp}/x.txt"], "cannot tell the format"),
    ("import-missing", ["import", "{tmp}/none.csv"], "does not exist"),
    ("import-folder", ["import", "{tmp}"], "is a directory"),
    ("import-fifo", ["import", "{tmp}/fifo.csv"], "is not a regular file"),
]

# Database strings given with --db: the password must never be printed, and nothing may
# be created named after it.
SECRET = "S3cretPW"
DATABASE_CASES: list[tuple[str, str, str]] = [
    ("db-bad-percent", f"postgresql://u:Bad%zz{SECRET}@127.0.0.1:1/db", "PostgreSQL"),
    ("db-slash-password", f"postgresql://u:Sec/{SECRET}@127.0.0.1:1/db", "PostgreSQL"),
    ("db-at-password", f"postgresql://u:Sec@{SECRET}@127.0.0.1:1/db", "PostgreSQL"),
    ("db-spaces", f"postgresql://x host=127.0.0.1 password={SECRET}", "PostgreSQL"),
    ("db-conninfo", f"host=127.0.0.1 port=1 password={SECRET} dbname=x", "PostgreSQL"),
    ("db-conninfo-quoted", f"host=127.0.0.1 port=1 password='{SECRET} x' dbname=x", "Postgre"),
    ("db-query-password", f"postgresql://u@127.0.0.1:1/db?password={SECRET}", "PostgreSQL"),
    ("db-multi-host", f"postgresql://u:{SECRET}@127.0.0.1:1,127.0.0.1:2/db", "PostgreSQL"),
    ("db-bad-port", f"postgresql://u:{SECRET}@127.0.0.1:notaport/db", "PostgreSQL"),
    ("db-unknown-scheme", f"mysql://u:{SECRET}@127.0.0.1/db", "cannot open a 'mysql://'"),
    ("db-dev-null", "/dev/null", "is not a regular file"),
    ("db-folder", "/tmp", "is not a regular file"),
    ("db-blank", " ", "--db is empty"),
    ("db-empty", "", "--db is empty"),
    ("db-conninfo-sslmode", f"sslmode=disable host=127.0.0.1 port=1 password={SECRET}", "Postg"),
]
