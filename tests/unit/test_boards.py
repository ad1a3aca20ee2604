"""Board tables line up in a terminal, CJK characters counting two columns."""

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from orchestration.arrow_table import format_arrow_table
from orchestration.boards import display_width, format_table


def test_display_width_counts_wide_characters_twice():
    assert display_width("分期乐") == 6
    assert display_width("360借条") == 7
    assert display_width("ＡＢ") == 4


def column_of(line: str, cell: str) -> tuple[int, int]:
    """Display columns where `cell` starts and ends in `line`."""
    start = display_width(line[: line.index(cell)])
    return start, start + display_width(cell)


def test_text_columns_start_together_and_numbers_end_together():
    rows = [(1, "中信银行", "1.000", "建议下单"), (10, "360借条", "0.123", "不建议下单")]
    lines = format_table(("排名", "平台名称", "综合指数", "评级"), rows).splitlines()
    first, second = lines[2], lines[3]
    assert column_of(first, "中信银行")[0] == column_of(second, "360借条")[0]  # text: left-aligned
    assert column_of(first, "建议下单")[0] == column_of(second, "不建议下单")[0]
    assert column_of(first, "1.000")[1] == column_of(second, "0.123")[1]  # numbers: right-aligned
    assert column_of(first, "1")[1] == column_of(second, "10")[1]
    assert column_of(lines[0], "综合指数")[1] == column_of(first, "1.000")[1]  # header over its column


def test_the_cfpb_board_of_a_warehouse_without_cfpb_exports_says_so(tmp_path):
    from orchestration.boards import render_cfpb_board
    from orchestration.periods import NoRatings

    serving_db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(serving_db)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.cfpb_company_ratings (company VARCHAR, period_key VARCHAR, period_type VARCHAR)"
        )
    with pytest.raises(NoRatings, match="no CFPB company is rated yet"):
        render_cfpb_board(serving_db, None, 20)


def test_an_arrow_table_is_laid_out_as_the_same_rows_in_python():
    # The trace lays out up to a million rows with Arrow kernels; a board, a
    # few in Python. Both must give the same text.

    rows = [
        ("TS1", "已移交", 71.99, 1.0, None, 12, dt.date(2024, 3, 1)),
        ("TS22", "已评价", None, 0.6, 8.0, 3, dt.date(2024, 12, 31)),
        ("TS333", "已移交", 120.0, 0.0, 10.0, 12345, None),
    ]
    headers = ("complaint_id", "status", "reply_hours", "timeliness", "score", "line", "day")
    table = pa.table(list(zip(*rows, strict=True)), names=list(headers))
    text = format_arrow_table(headers, table)
    assert text == format_table(headers, rows)
    lines = text.splitlines()
    assert lines[2].split() == ["TS1", "已移交", "71.99", "1.0", "12", "2024-03-01"]  # as Python prints them
    assert column_of(lines[2], "已移交")[0] == column_of(lines[3], "已评价")[0]
    # a column with an empty cell is not all numbers: left-aligned
    assert column_of(lines[2], "71.99")[0] == column_of(lines[4], "120.0")[0]
    assert column_of(lines[2], "1.0")[1] == column_of(lines[3], "0.6")[1]  # numbers: right-aligned
    assert column_of(lines[2], "12")[1] == column_of(lines[4], "12345")[1]


def test_an_empty_table_has_its_headers():
    expected = ["排名  平台名称", "----  --------"]
    assert format_table(("排名", "平台名称"), []).splitlines() == expected
    empty = pa.table({"rank": pa.array([], pa.int64()), "platform": pa.array([], pa.string())})
    assert format_arrow_table(("排名", "平台名称"), empty).splitlines() == expected


def test_numbers_percentages_and_dashes_right_align_in_both_layouts():
    for cells, numeric in [
        (["1", "10.5", ".5", "5.", "12%", "-", "１２"], True),  # full-width digits are digits
        (["1", "1.2.3"], False),
        (["1", "-5"], False),
        (["1", "1e-05"], False),
        (["1", "%"], False),
    ]:
        rows = [(cell,) for cell in cells]
        python = format_table(("n",), rows)
        assert python == format_arrow_table(("n",), pa.table({"n": cells}))
        first = python.splitlines()[2]  # "1", narrower than the column
        assert first.startswith(" ") == numeric, cells
