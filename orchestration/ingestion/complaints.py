"""Validate complaint-dump lines in SQL and split them into raw rows and quarantine.

The reasons and their order are SPEC section 3.1's: a line is quarantined with the
first reason that applies. A line is parsed four times: is it JSON, are its
member names unique, then two multi-path calls returning one list each for all
fields (the JSON types, with the root's first; the texts, objects and arrays as
JSON text); the checks read those lists instead of parsing fragments again.
Where the time goes, and what each formulation here saved, is measured in
docs/benchmarks.md ("performance round 2").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from orchestration.reference import domains, rated_statuses, reply_authors, sql_list, statuses

# Top-level fields in the order they are extracted (list index = position + 1).
FIELDS = (
    "complaint_id",
    "updated_at",
    "submitted_at",
    "platform",
    "domain",
    "industry",
    "problem_type",
    "amount",
    "title",
    "content",
    "status",
    "transferred_at",
    "user",
    "replies",
    "evaluation",
)
REQUIRED_STRINGS = ("complaint_id", "updated_at", "submitted_at", "platform", "domain", "status")

# The plausible range of a complaint's own timestamps (updated_at, submitted_at,
# transferred_at), in Asia/Shanghai local time: from EARLIEST_PLAUSIBLE to one
# day after the ingestion. Outside it a line is `implausible_timestamp:<field>`
# (a typo such as 0224-03-01, or 9999-12-31), so no period outside it exists.
EARLIEST_PLAUSIBLE = dt.datetime(2000, 1, 1)
PLAUSIBLE_LEAD = dt.timedelta(days=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def latest_plausible(now: dt.datetime) -> dt.datetime:
    """The latest plausible local timestamp for lines ingested at `now`."""
    return now.astimezone(SHANGHAI).replace(tzinfo=None) + PLAUSIBLE_LEAD


def plausible_range_params(now: dt.datetime) -> dict[str, dt.datetime]:
    return {"earliest_plausible": EARLIEST_PLAUSIBLE, "latest_plausible": latest_plausible(now)}


_SCALAR_TYPES = "('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')"


def _index(name: str) -> int:
    return FIELDS.index(name) + 1


def _type(name: str) -> str:
    """The field's JSON type (NULL when absent); t[1] is the line's own type."""
    return f"t[{_index(name) + 1}]"


def _string(name: str) -> str:
    """The field's text when it is a JSON string, else NULL."""
    return f"CASE WHEN {_type(name)} = 'VARCHAR' THEN s[{_index(name)}] END"


def _scalar(name: str) -> str:
    """The field's text when it is a JSON scalar (numbers as DuckDB renders them)."""
    return f"CASE WHEN {_type(name)} IN {_SCALAR_TYPES} THEN s[{_index(name)}] END"


def _json(name: str) -> str:
    """The field as JSON text, NULL when absent or null. `s` holds objects and
    arrays as JSON already; a string is quoted again."""
    return f"CASE WHEN {_type(name)} = 'VARCHAR' THEN to_json(s[{_index(name)}]) ELSE s[{_index(name)}] END"


def _paths(names) -> str:
    return "[" + ", ".join(f"'$.\"{name}\"'" for name in names) + "]"


# Identity fields must be non-blank strings. The others are missing when absent,
# null or blank; any other type falls through to their own reason
# (invalid_timestamp, invalid_status, unknown_domain).
_IDENTITY_FIELDS = ("complaint_id", "platform")


def _missing_check(name: str) -> str:
    if name in _IDENTITY_FIELDS:
        condition = f"tousu_is_blank({_string(name)})"
    else:
        condition = (
            f"coalesce({_type(name)}, 'NULL') = 'NULL' OR "
            f"({_type(name)} = 'VARCHAR' AND tousu_is_blank(s[{_index(name)}]))"
        )
    return f"WHEN {condition} THEN 'missing_field:{name}'"


_MISSING = "\n        ".join(_missing_check(name) for name in REQUIRED_STRINGS)

# DuckDB's JSON parser also takes trailing commas and NaN / Infinity, which RFC
# 8259 does not. Such a token outside a string makes a line invalid_json. The
# cheap search runs on every line; only a line it flags (the pattern can also
# match inside a string) is searched again with its strings blanked out.
_LENIENT_TOKEN = r",\s*[\]}]|(^|[:\[,])\s*[-+]?(?i:nan|inf)"
_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
# The cheap search is the same pattern cut into pieces that each start with one
# literal character (or the line's start), which RE2 finds by skipping ahead:
# together 0.59 s per 650k lines (one thread) against the whole pattern's 1.29 s,
# whose leading character class and case-insensitive group make RE2 step
# through every byte.
_NAN_OR_INF = "(?:[nN][aA][nN]|[iI][nN][fF])"
_LENIENT_PIECES = (
    rf",\s*(?:[\]}}]|[-+]?{_NAN_OR_INF})",
    rf":\s*[-+]?{_NAN_OR_INF}",
    rf"\[\s*[-+]?{_NAN_OR_INF}",
    rf"^\s*[-+]?{_NAN_OR_INF}",
)


def _lenient_json(line: str) -> str:
    # CASE, not AND: DuckDB evaluates both sides of AND on every row.
    cheap = " OR ".join(f"regexp_matches({line}, '{piece}')" for piece in _LENIENT_PIECES)
    return (
        f"CASE WHEN {cheap} THEN "
        f"regexp_matches(regexp_replace({line}, '{_JSON_STRING}', '\"\"', 'g'), '{_LENIENT_TOKEN}') "
        "ELSE false END"
    )


# A member name twice in one object (at any depth) is ambiguous: DuckDB would
# read the first, most JSON readers the last. Such a line is invalid_json.
# `$..*` lists the keys of every value below the root; wrapping the line in an
# array puts the root below it too, so one parse checks every object. A key is
# a repeat when its first position is not its own: for a handful of keys this
# is a third of the cost of `list_distinct`, which builds a hash table per
# object (docs/benchmarks.md, "performance round 2").
def _has_duplicate_names(line: str) -> str:
    return (
        f"coalesce(list_bool_or(list_transform(json_keys('[' || {line} || ']', '$..*'), "
        "lambda k: list_bool_or(list_transform(k, lambda key, i: list_position(k, key) <> i)))), false)"
    )


# Replies typed once: a reply's fields as text whatever their JSON type, so a
# number or an object can never pass as an author or a timestamp; the element
# and content types are checked on their own.
_REPLY_SHAPE = """'[{"replied_at": "VARCHAR", "author": "VARCHAR", "content": "VARCHAR"}]'"""

# raw.complaints' columns after source_file and line_no, each field as landed:
# JSON strings as text, scalars as text, objects and arrays as JSON.
RAW_FIELDS = {
    "complaint_id": _string,
    "updated_at": _string,
    "submitted_at": _string,
    "platform": _string,
    "domain": _string,
    "industry": _scalar,
    "problem_type": _scalar,
    "amount": _scalar,
    "title": _scalar,
    "content": _scalar,
    "status": _string,
    "transferred_at": _string,
    "user": _json,
    "replies": _json,
    "evaluation": _json,
}
_RAW_SELECT = ",\n    ".join(f'{extract(name)} AS "{name}"' for name, extract in RAW_FIELDS.items())

# The verdict on each line of temp table `landing_lines`. Each line is
# parsed four times (valid? unique names? the line's and every field's type;
# every field's text), the last two with one multi-path call each; every later
# check reads those lists, never the line.
_CLASSIFY_SELECT = f"""
WITH lines AS (
    SELECT source_file, line_no, encoding_error,
           -- CRLF files: the CR belongs to the line ending, not to the JSON.
           CASE WHEN suffix(line, chr(13)) THEN line[:-2] ELSE line END AS line
    FROM landing_lines
),
valid AS (
    SELECT *, coalesce(json_valid(line), false) AS json_valid FROM lines
),
parsed AS (
    SELECT *,
        -- Valid JSON is never blank: only the rest is trimmed (a tenth of
        -- the validation's time when every line was).
        CASE WHEN json_valid THEN false ELSE tousu_is_blank(line) END AS is_blank,
        -- CASE, not AND: DuckDB evaluates both sides of AND on every row, and
        -- the later checks need valid JSON.
        CASE WHEN encoding_error OR NOT json_valid THEN false
             WHEN {_lenient_json("line")} THEN false
             WHEN {_has_duplicate_names("line")} THEN false
             ELSE true END AS is_json
    FROM valid
),
types AS (
    SELECT *,
        CASE WHEN is_json THEN json_type(line, ['$', {_paths(FIELDS)[1:-1]}]) END AS t
    FROM parsed
),
fields AS (
    SELECT *,
        coalesce(t[1] = 'OBJECT', false) AS is_object,
        CASE WHEN t[1] = 'OBJECT' THEN json_extract_string(line, {_paths(FIELDS)}) END AS s
    FROM types
),
values AS (
    SELECT *,
        {_string("complaint_id")} AS complaint_id,
        {_string("updated_at")} AS updated_at,
        {_string("submitted_at")} AS submitted_at,
        {_string("transferred_at")} AS transferred_at,
        tousu_trim({_string("status")}) AS status,
        tousu_trim({_string("domain")}) AS domain,
        {_scalar("amount")} AS amount,
        {_type("amount")} AS amount_type,
        {_type("replies")} AS replies_type,
        {_type("evaluation")} AS evaluation_type,
        -- read only when an array / an object, so JSON text already
        s[{_index("replies")}] AS replies,
        s[{_index("evaluation")}] AS evaluation
    FROM fields
),
checked AS (
    SELECT *,
        tousu_local_ts(updated_at) AS updated_ts,
        tousu_local_ts(submitted_at) AS submitted_ts,
        tousu_local_ts(transferred_at) AS transferred_ts,
        CASE WHEN evaluation_type = 'OBJECT'
             THEN json_type(evaluation, ['$.score', '$.evaluated_at']) END AS evaluation_types,
        CASE WHEN evaluation_type = 'OBJECT'
             THEN json_extract_string(evaluation, ['$.score', '$.evaluated_at']) END AS evaluation_texts,
        CASE WHEN replies_type = 'ARRAY' THEN json_type(replies, '$[*]') END AS reply_types,
        CASE WHEN replies_type = 'ARRAY' THEN json_type(replies, '$[*].content') END AS reply_content_types,
        CASE WHEN replies_type = 'ARRAY' THEN json_transform(replies, {_REPLY_SHAPE}) END AS reply_list
    FROM values
),
verdicts AS (
SELECT source_file, line_no, line, is_blank, s, t,
    CASE
        WHEN encoding_error THEN 'encoding'
        WHEN is_blank THEN NULL
        WHEN NOT is_json THEN 'invalid_json'
        WHEN NOT is_object THEN 'not_an_object'
        {_MISSING}
        WHEN length(tousu_trim(complaint_id)) > 64 THEN 'missing_field:complaint_id'
        WHEN updated_ts IS NULL THEN 'invalid_timestamp:updated_at'
        WHEN submitted_ts IS NULL THEN 'invalid_timestamp:submitted_at'
        WHEN coalesce({_type("transferred_at")}, 'NULL') <> 'NULL'
             AND transferred_ts IS NULL THEN 'invalid_timestamp:transferred_at'
        WHEN updated_ts NOT BETWEEN $earliest_plausible AND $latest_plausible
            THEN 'implausible_timestamp:updated_at'
        WHEN submitted_ts NOT BETWEEN $earliest_plausible AND $latest_plausible
            THEN 'implausible_timestamp:submitted_at'
        WHEN transferred_ts NOT BETWEEN $earliest_plausible AND $latest_plausible
            THEN 'implausible_timestamp:transferred_at'
        WHEN NOT coalesce(status IN {sql_list(statuses())}, false) THEN 'invalid_status'
        WHEN NOT coalesce(domain IN {sql_list(domains())}, false) THEN 'unknown_domain'
        WHEN coalesce(amount_type, 'NULL') <> 'NULL' AND tousu_amount(amount) IS NULL
            THEN 'invalid_amount'
        WHEN coalesce(evaluation_type, 'NULL') NOT IN ('NULL', 'OBJECT') THEN 'invalid_score'
        WHEN evaluation_type = 'OBJECT' AND NOT coalesce(
                evaluation_types[1] IN ('BIGINT', 'UBIGINT', 'DOUBLE')
                AND try_cast(evaluation_texts[1] AS DOUBLE) BETWEEN 0 AND 10, false)
            THEN 'invalid_score'
        WHEN evaluation_type = 'OBJECT'
             AND coalesce(evaluation_types[2], 'NULL') <> 'NULL'
             AND (evaluation_types[2] <> 'VARCHAR' OR tousu_local_ts(evaluation_texts[2]) IS NULL)
            THEN 'invalid_score'
        WHEN coalesce(replies_type, 'NULL') NOT IN ('NULL', 'ARRAY') THEN 'invalid_reply'
        WHEN NOT coalesce(list_bool_and(list_transform(reply_types, lambda x: x = 'OBJECT')), true)
            THEN 'invalid_reply'
        WHEN NOT coalesce(list_bool_and(list_transform(reply_content_types, lambda x: x IN ('VARCHAR', 'NULL'))), true)
            THEN 'invalid_reply'
        WHEN NOT coalesce(list_bool_and(list_transform(reply_list, lambda r:
                tousu_local_ts(r.replied_at) IS NOT NULL
                AND coalesce(r.author IN {sql_list(reply_authors())}, false))), true)
            THEN 'invalid_reply'
        WHEN status IN {sql_list(rated_statuses())} AND transferred_ts IS NULL
            THEN 'missing_transferred_at'
        WHEN transferred_ts < submitted_ts THEN 'transfer_before_submit'
        WHEN coalesce(list_bool_or(list_transform(reply_list, lambda r:
                r.author = 'platform' AND tousu_local_ts(r.replied_at) < transferred_ts)), false)
            THEN 'reply_before_transfer'
    END AS reason
FROM checked
)
-- What the moves read: a loaded line's fields (not the line: it is not kept),
-- a quarantined line's text.
SELECT source_file, line_no, is_blank, reason,
    CASE WHEN reason IS NOT NULL THEN line END AS line,
    {_RAW_SELECT}
FROM verdicts
"""

CLASSIFY_SQL = f"CREATE OR REPLACE TEMP TABLE classified AS {_CLASSIFY_SELECT}"
# The same verdicts added to those `classified` holds (one transaction of
# several batches: orchestration/ingestion/run.py, TRANSACTION_BYTES).
APPEND_CLASSIFIED_SQL = f"INSERT INTO classified {_CLASSIFY_SELECT}"

# The loaded lines of temp table `classified`, as raw.complaints' rows.
LOADED_SQL = f"""
SELECT
    source_file, line_no,
    {", ".join(f'"{name}"' for name in RAW_FIELDS)},
    $ingested_at AS ingested_at
FROM classified
WHERE reason IS NULL AND NOT is_blank
"""
INSERT_LOADED_SQL = f"INSERT INTO raw.complaints {LOADED_SQL}"
