"""SQL functions that every tousu connection to the warehouse registers.

Ingestion validates with these functions and the dbt staging models cast with the
very same ones (through `orchestration.warehouse.dbt_plugin`), so a value that
passed validation is guaranteed to cast, and there is one definition of each rule.

DuckDB macros and Python UDFs live on a connection, not in the database file: a
plain `duckdb` shell can read every table, but only a tousu connection can query
the staging views that call these functions.
"""

from __future__ import annotations

import unicodedata

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

# `YYYY-MM-DD HH:MM:SS` or ISO 8601: `T` or space, optional fraction, optional
# `Z` or a `±HH[:MM]` offset. Hour 24 and second 60 are refused on purpose:
# DuckDB's cast would silently roll them over to the next day/minute (offsets
# such as +24:00 or +23:60 too).
TIMESTAMP_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?"
    r"([Zz]|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?"
)
OFFSET_SUFFIX_PATTERN = r"([Zz]|[+-]\d{2}(:?\d{2})?)$"

# Unicode White_Space (what Python's str.isspace() accepts: full-width space
# U+3000, NBSP, the C0 separators …) plus BOM and zero-width space. Spelled out
# rather than found by scanning every code point at import (a third of a second
# of every command); a unit test checks it against str.isspace().
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    "\ufeff\u200b"
)
_WHITE_SPACE_SQL = " || ".join(f"chr({ord(c)})" for c in WHITE_SPACE)

# A decimal number, optionally with thousands separators, a currency sign in
# front and 元 behind (`"6,000.00元"`, `"￥1200"`); JSON numbers arrive as text too.
AMOUNT_PATTERN = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
# The currency sign and 元 removed around an amount, with the spaces next to
# them. The space class is spelled out: `\s` means one set in DuckDB's RE2 and
# another (with \x0b) in Spark's Java regular expressions.
CURRENCY_AFFIXES = r"^[¥￥][\t\n\f\r ]*|[\t\n\f\r ]*元$"
REGISTRY_DATE_PATTERN = r"(19|[2-9]\d)\d{2}-\d{2}-\d{2}"
# Text made only of printable ASCII and CJK Unified Ideographs is its own NFKC
# (none of them has a decomposition, and no combining mark follows to compose
# with) and holds no format character: tousu_nfkc returns it as it is, without
# the Python UDF, which costs about 0.15 s per million values on two threads
# (nearly every name and category in a dump is such text).
NFKC_STABLE_PATTERN = r"[\x20-\x7E\x{4E00}-\x{9FFF}]*"

MACROS = {
    # The one text normalisation (see `nfkc`): the UDF only for text that may change.
    "tousu_nfkc": (
        "(s)",
        f"CASE WHEN regexp_full_match(s, '{NFKC_STABLE_PATTERN}') THEN s ELSE tousu_nfkc_udf(s) END",
    ),
    # Strip white space of every kind (DuckDB's trim() only strips ASCII spaces).
    # trim() with a character list costs ~15x a plain one, so it runs only when
    # the text starts or ends with white space (empty text included).
    "tousu_trim": (
        "(s)",
        f"""CASE WHEN contains({_WHITE_SPACE_SQL}, left(s, 1)) OR contains({_WHITE_SPACE_SQL}, right(s, 1))
                 THEN trim(s, {_WHITE_SPACE_SQL}) ELSE s END""",
    ),
    # Text that is absent, empty or only white space counts as missing.
    "tousu_is_blank": (
        "(s)",
        "s IS NULL OR tousu_trim(s) = ''",
    ),
    # Parse a timestamp to Asia/Shanghai local time (TIMESTAMP, no zone); NULL when
    # it does not follow the contract. Without an offset a time already is local.
    "tousu_local_ts": (
        "(s)",
        # DuckDB's cast takes neither `t` nor `z`: the separator (always the
        # 11th character here) becomes a space and the zone letter upper case.
        f"""CASE
            WHEN s IS NULL OR NOT regexp_full_match(s, '{TIMESTAMP_PATTERN}') THEN NULL
            WHEN regexp_matches(s, '{OFFSET_SUFFIX_PATTERN}')
                THEN timezone('Asia/Shanghai', try_cast(upper(left(s, 10) || ' ' || s[12:]) AS TIMESTAMPTZ))
            ELSE try_cast(left(s, 10) || ' ' || s[12:] AS TIMESTAMP)
        END""",
    ),
    # Parse a registry date `YYYY-MM-DD` (surrounding white space allowed); NULL
    # when blank, not a real calendar date, or before 1900 (0000-01-01 is no
    # date a platform was on- or offboarded, and no year 0 exists in Python).
    "tousu_date": (
        "(s)",
        f"""CASE WHEN regexp_full_match(tousu_trim(s), '{REGISTRY_DATE_PATTERN}')
                THEN try_cast(tousu_trim(s) AS DATE) END""",
    ),
    # A plain decimal as a number >= 0, else NULL (DuckDB's cast alone would
    # also take 'inf', 'nan' and digit separators).
    "tousu_decimal": (
        "(txt)",
        f"""CASE
            WHEN regexp_full_match(txt, '{AMOUNT_PATTERN}')
                 AND isfinite(try_cast(txt AS DOUBLE)) AND try_cast(txt AS DOUBLE) >= 0
            THEN try_cast(txt AS DOUBLE) + 0.0
        END""",
    ),
    # Parse an amount in yuan; NULL when it is no finite number >= 0. A plain
    # number (every JSON number) skips the clean-up of signs and separators.
    "tousu_amount": (
        "(s)",
        f"""CASE
            WHEN regexp_full_match(s, '{AMOUNT_PATTERN}') THEN tousu_decimal(s)
            ELSE tousu_decimal(regexp_replace(
                regexp_replace(tousu_trim(s), '{CURRENCY_AFFIXES}', '', 'g'), '[,，]', '', 'g'))
        END""",
    ),
}


# The same functions in Spark SQL, for the dbt models on the Spark engine
# (orchestration/warehouse/spark.py creates them as persistent SQL functions of
# the metastore). Each rule keeps its patterns above; only the spelling differs:
# Java regular expressions match anywhere unless anchored (`\z`, not `$`, which
# also matches before a final newline), Spark parses offsets itself, and its
# local times are TIMESTAMP_NTZ. tests/unit/test_sql_functions.py runs every
# case on both engines.
_SPARK_WHITE_SPACE = "".join(f"\\u{ord(c):04x}" for c in WHITE_SPACE)


# An offset's sign, hours and (optional) minutes.
_SPARK_OFFSET = r"([+-])(\\d{2}):?(\\d{2})?$"


def _spark_full_match(value: str, pattern: str) -> str:
    anchored = "^(?:" + pattern + r")\z"
    return f"({value} RLIKE '{_spark_literal(anchored)}')"


def _spark_literal(text: str) -> str:
    """`text` inside a Spark SQL string literal: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


SPARK_FUNCTIONS = {
    "tousu_trim": ("s STRING", "STRING", f"trim(BOTH '{_SPARK_WHITE_SPACE}' FROM s)"),
    "tousu_is_blank": ("s STRING", "BOOLEAN", "s IS NULL OR tousu_trim(s) = ''"),
    "tousu_local_ts": (
        "s STRING",
        "TIMESTAMP_NTZ",
        # The wall clock at the offset, moved by the offset to UTC and on to
        # Shanghai: no step depends on the session's time zone, and offsets
        # beyond Java's ±18:00 (which SPEC allows) work too.
        f"""CASE
            WHEN s IS NULL OR NOT {_spark_full_match("s", TIMESTAMP_PATTERN)} THEN NULL
            WHEN s RLIKE '{_spark_literal(OFFSET_SUFFIX_PATTERN)}' THEN convert_timezone('UTC', 'Asia/Shanghai',
                timestampadd(MINUTE,
                    CASE WHEN upper(right(s, 1)) = 'Z' THEN 0
                         ELSE (CASE WHEN regexp_extract(s, '{_SPARK_OFFSET}', 1) = '-' THEN 1 ELSE -1 END)
                              * (int(regexp_extract(s, '{_SPARK_OFFSET}', 2)) * 60
                                 + coalesce(try_cast(regexp_extract(s, '{_SPARK_OFFSET}', 3) AS INT), 0))
                    END,
                    try_cast(regexp_replace(left(s, 10) || ' ' || substr(s, 12), '{_spark_literal(OFFSET_SUFFIX_PATTERN)}', '')
                             AS TIMESTAMP_NTZ)))
            ELSE try_cast(left(s, 10) || ' ' || substr(s, 12) AS TIMESTAMP_NTZ)
        END""",
    ),
    "tousu_date": (
        "s STRING",
        "DATE",
        f"CASE WHEN {_spark_full_match('tousu_trim(s)', REGISTRY_DATE_PATTERN)} THEN try_cast(tousu_trim(s) AS DATE) END",
    ),
    "tousu_decimal": (
        "txt STRING",
        "DOUBLE",
        # Java's parser takes 'Infinity' and 'NaN', which the pattern refuses,
        # and turns 1e400 into Infinity, which the bound refuses.
        f"""CASE
            WHEN {_spark_full_match("txt", AMOUNT_PATTERN)}
                 AND try_cast(txt AS DOUBLE) >= 0 AND try_cast(txt AS DOUBLE) < double('Infinity')
            THEN try_cast(txt AS DOUBLE) + 0.0D
        END""",
    ),
    "tousu_amount": (
        "s STRING",
        "DOUBLE",
        f"""CASE
            WHEN {_spark_full_match("s", AMOUNT_PATTERN)} THEN tousu_decimal(s)
            ELSE tousu_decimal(regexp_replace(
                regexp_replace(tousu_trim(s), '{_spark_literal(CURRENCY_AFFIXES)}', ''), '[,，]', ''))
        END""",
    ),
}

# Unicode format characters (category Cf: zero-width space and joiners, BOM,
# bidi marks, soft hyphen): invisible, so two names differing only by one look
# identical. The normalisation removes them.
FORMAT_CHARACTERS = r"\p{Cf}"


def nfkc(values: pa.Array) -> pa.Array:
    """The one text normalisation of names and categories: format characters
    removed, then Unicode NFKC, vectorised (DuckDB has only NFC built in)."""
    return pc.utf8_normalize(pc.replace_substring_regex(values, FORMAT_CHARACTERS, ""), "NFKC")


def normalise_name(text: str) -> str:
    """A platform name as the warehouse stores it (tousu_trim(tousu_nfkc(…))),
    for a name typed on the command line: the scalar twin of `nfkc`, without
    Arrow (which imports pandas: a second of a `tousu trace`). Tests prove the
    two equal (tests/unit/test_sql_functions.py)."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", kept).strip(WHITE_SPACE)


def register(con: duckdb.DuckDBPyConnection, *, stored: bool = False) -> duckdb.DuckDBPyConnection:
    """Define tousu's macros and UDFs on one connection (idempotent).

    Macros are temporary, of this connection only, unless `stored`: then they
    are written to the database (schema main), where every connection and
    cursor of it sees them. dbt stores them: it runs each node on a new cursor,
    a connection of its own, and defining temp macros on each cost 20 ms a node."""
    # A Python UDF belongs to the database instance (cursors share it), while temp
    # macros belong to each connection: create the UDF only once, and first (a
    # macro that calls it is bound when created).
    already = con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'tousu_nfkc_udf'").fetchall()
    if not already[0][0]:
        con.create_function(
            "tousu_nfkc_udf",
            nfkc,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            type="arrow",
            null_handling="special",
            side_effects=False,
        )
    kind = "MACRO" if stored else "TEMP MACRO"
    for name, (params, body) in MACROS.items():
        con.execute(f"CREATE OR REPLACE {kind} {name}{params} AS ({body})")
    return con
