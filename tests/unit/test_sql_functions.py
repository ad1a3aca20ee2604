"""The SQL functions ingestion and staging share (orchestration/warehouse/sql_functions.py)."""

import datetime as dt
import unicodedata

import duckdb
import pytest
from spec_oracle import parse_amount, parse_ts

from orchestration.warehouse.sql_functions import normalise_name, register

# Shared with the Spark engine's test (tests/e2e/test_spark_engine.py): each
# case must come out the same on both engines.
TIMESTAMP_CASES = [
    ("2024-03-01 10:00:00", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01T10:00:00", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01T02:00:00Z", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01T10:00:00+08:00", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01T07:30:00+05:30", dt.datetime(2024, 3, 1, 10)),
    ("2024-02-29T23:00:00-03:00", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01T10:00:00.250+08:00", dt.datetime(2024, 3, 1, 10, 0, 0, 250000)),
    ("2024-03-01 10:00:00+0800", dt.datetime(2024, 3, 1, 10)),
    # a lower-case t: found by the property test (DuckDB's cast refuses it)
    ("2024-03-01t10:00:00", dt.datetime(2024, 3, 1, 10)),
    ("2024-03-01t02:00:00.5z", dt.datetime(2024, 3, 1, 10, 0, 0, 500000)),
    ("2024-02-30 10:00:00", None),
    ("2024-03-01 24:00:00", None),
    # offsets out of range: found by the property test (DuckDB's cast rolls them over)
    ("2024-03-01 10:00:00+24:00", None),
    ("2024-03-01 10:00:00+08:60", None),
    ("2024-03-01 10:00:00-23:59", dt.datetime(2024, 3, 2, 17, 59)),
    ("2024-03-01 10:00", None),
    ("2024/03/01 10:00:00", None),
    ("2024-03-01", None),
    ("", None),
]

AMOUNT_CASES = [
    ("6,000.00元", 6000.0),
    ("￥1,200", 1200.0),
    (" 12 ", 12.0),
    ("0", 0.0),
    ("1e3", 1000.0),
    ("-5", None),
    ("abc", None),
    ("", None),
    ("inf", None),
    ("NaN", None),
    ("5元5", None),
]

BLANK_TEXTS = ["", " ", "\u3000\u3000", "\t\r\n", "\ufeff", "\u200b", "\x1c\x85\u2028"]
REGISTRY_DATE_CASES = [
    ("2024-02-29", True),
    ("0000-01-01", False),
    ("1899-12-31", False),
    ("1900-01-01", True),
    ("2024-02-30", False),
]


@pytest.fixture(scope="module")
def con():
    return register(duckdb.connect())


def scalar(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


@pytest.mark.parametrize("text, expected", TIMESTAMP_CASES)
def test_local_timestamp_matches_the_contract(con, text, expected):
    assert scalar(con, "SELECT tousu_local_ts(?)", text) == expected
    assert parse_ts(text) == expected  # the test oracle reads SPEC the same way


@pytest.mark.parametrize("text, expected", AMOUNT_CASES)
def test_amount_parsing(con, text, expected):
    assert scalar(con, "SELECT tousu_amount(?)", text) == expected
    assert parse_amount(text) == expected


def test_blank_means_unicode_white_space_plus_bom(con):
    for text in BLANK_TEXTS:
        assert scalar(con, "SELECT tousu_is_blank(?)", text), repr(text)
    for text in ["a", "\u3000a", "0"]:
        assert not scalar(con, "SELECT tousu_is_blank(?)", text), repr(text)


def test_trim_and_nfkc(con):
    assert scalar(con, "SELECT tousu_trim(?)", "\u3000 分期乐 \t") == "分期乐"
    assert scalar(con, "SELECT tousu_nfkc(?)", "ＳＨＥＩＮ①") == "SHEIN1"
    assert scalar(con, "SELECT tousu_nfkc(NULL)") is None


def test_text_the_nfkc_shortcut_passes_is_its_own_nfkc(con):
    """tousu_nfkc skips the Python UDF for text matching NFKC_STABLE_PATTERN:
    every character DuckDB's pattern accepts must be its own NFKC and no format
    character, and no two of them may compose into another character."""
    from orchestration.warehouse.sql_functions import NFKC_STABLE_PATTERN

    accepted = {
        chr(code)
        for (code,) in con.execute(
            "SELECT code FROM (SELECT * FROM range(1, 55296) UNION ALL SELECT * FROM range(57344, 1114112)) AS t(code)"
            " WHERE regexp_full_match(chr(code::INTEGER), ?)",  # every code point but the surrogates
            [NFKC_STABLE_PATTERN],
        ).fetchall()
    }
    assert len(accepted) == 95 + 20992  # printable ASCII, CJK Unified Ideographs
    for char in accepted:
        assert unicodedata.normalize("NFKC", char) == char and unicodedata.category(char) != "Cf", hex(ord(char))
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            assert not {chr(int(part, 16)) for part in parts} <= accepted, hex(code)


@pytest.mark.parametrize(
    "text",
    ["分期乐", "SHEIN 1", "ＳＨＥＩＮ①", "分期\u200b乐", "e\u0301", "ｶﾞ", "\uf900", "㈱", "A\u3000B", "", "\u00a0"],
)
def test_the_nfkc_shortcut_and_the_udf_agree(con, text):
    assert scalar(con, "SELECT tousu_nfkc(?)", text) == scalar(con, "SELECT tousu_nfkc_udf(?)", text)
    assert scalar(con, "SELECT tousu_nfkc(?)", text) == unicodedata.normalize(
        "NFKC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    )


def test_register_is_idempotent_and_works_on_cursors(con):
    register(con)
    cursor = register(con.cursor())
    assert cursor.execute("SELECT tousu_trim(' x ')").fetchall() == [("x",)]


def test_registry_dates(con):
    import datetime as dt

    assert scalar(con, "SELECT tousu_date(?)", " 2024-02-29 ") == dt.date(2024, 2, 29)
    for text in ["2024-02-30", "2024-1-1", "2024/01/01", "", "\u3000"]:
        assert scalar(con, "SELECT tousu_date(?)", text) is None, text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("分期\u200b乐", "分期乐"),  # zero-width space inside a name (issue 14.10)
        ("\ufeff分期乐\u2060", "分期乐"),  # BOM, word joiner
        ("ＢＥＴＡ\u00ad", "BETA"),  # soft hyphen, then NFKC
        ("平台\u200d名", "平台名"),  # zero-width joiner
    ],
)
def test_the_one_normalisation_drops_format_characters_then_nfkc(con, text, expected):
    assert scalar(con, "SELECT tousu_trim(tousu_nfkc(?))", text) == expected
    assert normalise_name(f" \u3000{text} ") == expected


@pytest.mark.parametrize("text, ok", REGISTRY_DATE_CASES)
def test_registry_dates_are_real_dates_from_1900(con, text, ok):
    assert (scalar(con, "SELECT tousu_date(?)", text) is not None) == ok


NAMES = [
    "分期乐",
    " 分期\u200b乐 ",
    "ＢＥＴＡ",
    "ｶﾞ",
    "①②",
    "ﬁnance",
    "\u3000德尔塔\u3000",
    "\ufeff支付宝",
    "Ａｌｉ\u00adpay",
    "㍿",
    "e\u0301",
    "\u2060x\u200dy\u200c",
    "\u202e反向",
    "",
    "\u00a0",
    "Σ",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_command_line_normalisation_equals_the_warehouse_one(con, name):
    assert normalise_name(name) == scalar(con, "SELECT tousu_trim(tousu_nfkc(?))", name)


def test_white_space_is_every_character_python_calls_space_plus_bom_and_zero_width_space():
    from orchestration.warehouse.sql_functions import WHITE_SPACE

    assert WHITE_SPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) + "\ufeff\u200b"


def test_stored_macros_are_seen_by_every_cursor_and_survive_the_connection(tmp_path):
    """dbt's plugin stores the macros: its per-node cursors define nothing."""
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        register(con, stored=True)
        cursor = con.cursor()
        assert cursor.execute("SELECT tousu_trim('\u3000 x \u3000'), tousu_nfkc('ＡＢ')").fetchall() == [("x", "AB")]
    # in the file: a later connection sees the macros (not the Python UDF)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT tousu_is_blank('\u3000')").fetchall() == [(True,)]
