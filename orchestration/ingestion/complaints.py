"""Validate complaint-dump lines in SQL and split them into raw rows and quarantine.

The reasons and their order are SPEC section 3.1's: a line is quarantined with the
first reason that applies. One JSON parse per line (a multi-path extract); every
later check reads the small extracted fragments.
"""

from __future__ import annotations

from orchestration.ingestion.schema import (
    DOMAINS,
    REPLY_AUTHORS,
    STATUSES,
    TRANSFERRED_STATUSES,
    sql_list,
)

# Top-level fields in the order they are extracted (list index = position + 1).
FIELDS = (
    "complaint_id", "updated_at", "submitted_at", "platform", "domain",
    "industry", "problem_type", "amount", "title", "content", "status",
    "transferred_at", "user", "replies", "evaluation",
)
REQUIRED_STRINGS = ("complaint_id", "updated_at", "submitted_at", "platform", "domain", "status")


def _f(name: str) -> str:
    return f"f[{FIELDS.index(name) + 1}]"


_PATHS = "[" + ", ".join(f"'$.\"{name}\"'" for name in FIELDS) + "]"

# A reply is valid when it is an object with a contract timestamp, a known
# author, and string-or-absent content.
_REPLY_IS_VALID = f"""
    json_type(r) = 'OBJECT'
    AND tousu_local_ts(tousu_json_string(r -> 'replied_at')) IS NOT NULL
    AND coalesce(tousu_json_string(r -> 'author') IN {sql_list(REPLY_AUTHORS)}, false)
    AND coalesce(json_type(r -> 'content') IN ('VARCHAR', 'NULL'), true)
"""

# Identity fields must be non-blank strings. The others are missing when absent,
# null or blank; any other type falls through to their own reason
# (invalid_timestamp, invalid_status, unknown_domain).
_IDENTITY_FIELDS = ("complaint_id", "platform")


def _missing_check(name: str) -> str:
    value = _f(name)
    if name in _IDENTITY_FIELDS:
        condition = f"tousu_is_blank(tousu_json_string({value}))"
    else:
        condition = (
            f"coalesce(json_type({value}), 'NULL') = 'NULL' OR "
            f"(json_type({value}) = 'VARCHAR' AND tousu_is_blank({value} ->> '$'))"
        )
    return f"WHEN {condition} THEN 'missing_field:{name}'"


_MISSING = "\n        ".join(_missing_check(name) for name in REQUIRED_STRINGS)

# Builds temp table `classified` from temp table `landing_lines`.
CLASSIFY_SQL = f"""
CREATE OR REPLACE TEMP TABLE classified AS
WITH lines AS (
    SELECT source_file, line_no, encoding_error,
           -- CRLF files: the CR belongs to the line ending, not to the JSON.
           CASE WHEN suffix(line, chr(13)) THEN line[:-2] ELSE line END AS line
    FROM landing_lines
),
parsed AS (
    SELECT *,
        tousu_is_blank(line) AS is_blank,
        -- CASE, not AND: DuckDB evaluates both sides of AND on every row.
        coalesce(CASE WHEN NOT encoding_error THEN json_valid(line) END, false) AS is_json
    FROM lines
),
objects AS (
    SELECT *,
        coalesce(CASE WHEN is_json THEN json_type(line) = 'OBJECT' END, false) AS is_object
    FROM parsed
),
fields AS (
    SELECT *,
        CASE WHEN is_object THEN json_extract(line, {_PATHS}) END AS f
    FROM objects
),
values AS (
    SELECT *,
        tousu_json_string({_f('complaint_id')}) AS complaint_id,
        tousu_json_string({_f('updated_at')}) AS updated_at,
        tousu_json_string({_f('submitted_at')}) AS submitted_at,
        tousu_json_string({_f('transferred_at')}) AS transferred_at,
        tousu_trim(tousu_json_string({_f('status')})) AS status,
        tousu_trim(tousu_json_string({_f('domain')})) AS domain,
        tousu_json_scalar({_f('amount')}) AS amount,
        json_type({_f('amount')}) AS amount_type,
        {_f('replies')} AS replies,
        {_f('evaluation')} AS evaluation
    FROM fields
),
checked AS (
    SELECT *,
        tousu_local_ts(submitted_at) AS submitted_ts,
        tousu_local_ts(transferred_at) AS transferred_ts,
        CASE WHEN json_type(replies) = 'ARRAY' THEN json_extract(replies, '$[*]') END AS reply_list
    FROM values
)
SELECT source_file, line_no, line, is_blank, f,
    CASE
        WHEN encoding_error THEN 'encoding'
        WHEN is_blank THEN NULL
        WHEN NOT is_json THEN 'invalid_json'
        WHEN NOT is_object THEN 'not_an_object'
        {_MISSING}
        WHEN length(tousu_trim(complaint_id)) > 64 THEN 'missing_field:complaint_id'
        WHEN tousu_local_ts(updated_at) IS NULL THEN 'invalid_timestamp:updated_at'
        WHEN submitted_ts IS NULL THEN 'invalid_timestamp:submitted_at'
        WHEN coalesce(json_type({_f('transferred_at')}), 'NULL') <> 'NULL'
             AND transferred_ts IS NULL THEN 'invalid_timestamp:transferred_at'
        WHEN NOT coalesce(status IN {sql_list(STATUSES)}, false) THEN 'invalid_status'
        WHEN NOT coalesce(domain IN {sql_list(DOMAINS)}, false) THEN 'unknown_domain'
        WHEN coalesce(amount_type, 'NULL') <> 'NULL' AND tousu_amount(amount) IS NULL
            THEN 'invalid_amount'
        WHEN coalesce(json_type(evaluation), 'NULL') NOT IN ('NULL', 'OBJECT') THEN 'invalid_score'
        WHEN json_type(evaluation) = 'OBJECT' AND NOT coalesce(
                tousu_json_is_number(evaluation -> 'score')
                AND (evaluation ->> 'score')::DOUBLE BETWEEN 0 AND 10, false)
            THEN 'invalid_score'
        WHEN json_type(evaluation) = 'OBJECT'
             AND coalesce(json_type(evaluation -> 'evaluated_at'), 'NULL') <> 'NULL'
             AND tousu_local_ts(tousu_json_string(evaluation -> 'evaluated_at')) IS NULL
            THEN 'invalid_score'
        WHEN coalesce(json_type(replies), 'NULL') NOT IN ('NULL', 'ARRAY') THEN 'invalid_reply'
        WHEN NOT coalesce(list_bool_and(list_transform(reply_list, lambda r: coalesce({_REPLY_IS_VALID}, false))), true)
            THEN 'invalid_reply'
        WHEN status IN {sql_list(TRANSFERRED_STATUSES)} AND transferred_ts IS NULL
            THEN 'missing_transferred_at'
        WHEN transferred_ts < submitted_ts THEN 'transfer_before_submit'
        WHEN coalesce(list_bool_or(list_transform(reply_list, lambda r:
                tousu_json_string(r -> 'author') = 'platform'
                AND tousu_local_ts(tousu_json_string(r -> 'replied_at')) < transferred_ts)), false)
            THEN 'reply_before_transfer'
    END AS reason
FROM checked
"""

INSERT_LOADED_SQL = f"""
INSERT INTO raw.complaints
SELECT
    source_file, line_no,
    tousu_json_string({_f('complaint_id')}),
    tousu_json_string({_f('updated_at')}),
    tousu_json_string({_f('submitted_at')}),
    tousu_json_string({_f('platform')}),
    tousu_json_string({_f('domain')}),
    tousu_json_scalar({_f('industry')}),
    tousu_json_scalar({_f('problem_type')}),
    tousu_json_scalar({_f('amount')}),
    tousu_json_scalar({_f('title')}),
    tousu_json_scalar({_f('content')}),
    tousu_json_string({_f('status')}),
    tousu_json_string({_f('transferred_at')}),
    nullif({_f('user')}, 'null'),
    nullif({_f('replies')}, 'null'),
    nullif({_f('evaluation')}, 'null'),
    $ingested_at
FROM classified
WHERE reason IS NULL AND NOT is_blank
"""
