"""Boards as aligned text tables, read from serving/ (what BI sees)."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.periods import NoRatings, require_rated_period

RATING_BOARD_SQL = """
SELECT b.rank, b.platform,
       printf('%.2f%%', r.reply_rate * 100) AS reply_rate,
       printf('%.3f', r.timeliness) AS timeliness,
       printf('%.3f', r.satisfaction) AS satisfaction,
       printf('%.3f', b.composite_index) AS composite_index,
       b.rating, b.n_complaints
FROM marts.rating_board b
JOIN marts.platform_ratings r USING (platform, period_key)
WHERE b.domain = $domain AND b.period_key = $period
ORDER BY b.rank, b.n_complaints DESC, b.platform
"""
RATING_HEADERS = ("排名", "平台名称", "平台反馈率", "回复时效性", "用户满意度", "综合指数", "评级", "投诉量")

COMPLAINT_BOARD_SQL = """
SELECT rank, platform, n_complaints FROM marts.complaint_board
WHERE domain = $domain AND period_key = $period
ORDER BY rank, platform
"""
COMPLAINT_HEADERS = ("排名", "平台名称", "有效投诉量")

CFPB_RATINGS = "marts.cfpb_company_ratings"
# The companies with the most complaints received in the period, most first.
CFPB_BOARD_SQL = f"""
SELECT rank() OVER (ORDER BY n_complaints DESC) AS rank, company, n_complaints,
       printf('%.1f%%', response_rate * 100), printf('%.1f%%', timely_rate * 100),
       printf('%.1f%%', relief_rate * 100),
       coalesce(printf('%.1f%%', dispute_rate * 100), '-')
FROM {CFPB_RATINGS}
WHERE period_key = $period
ORDER BY n_complaints DESC, company
LIMIT $top
"""
CFPB_HEADERS = ("rank", "company", "complaints", "responded", "timely", "relief", "disputed")


@functools.lru_cache(maxsize=4096)  # a column repeats its values (statuses, platforms)
def display_width(text: str) -> int:
    if text.isascii():  # most cells (numbers, ids, timestamps): no lookup per character
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A number, a percentage, or "-" (no value) in a column of numbers: such a
# column is right-aligned.
NUMERIC_CELL = r"^(?:-|(?:\p{Nd}+\.?\p{Nd}*|\.\p{Nd}+)%*)$"


def format_table(headers: tuple[str, ...], rows: list[tuple] | pa.Table) -> str:
    """Rows as text lines under their headers, every column padded to one
    display width (CJK characters count two) and right-aligned when all its
    cells are numbers; an empty cell (NULL) shows as nothing. Arrow columns
    in, so that a trace of a million complaints is padded by Arrow kernels,
    not a Python loop per cell."""
    columns = _text_columns(rows, len(headers))
    padded = [_padded(column, header) for column, header in zip(columns, headers, strict=True)]
    # Each line ends in a newline, so that the lines' data buffer is the text:
    # decoded at once, not a Python string per line joined.
    padded[-1] = pc.binary_join_element_wise(padded[-1], "\n", "")
    lines = pc.binary_join_element_wise(*padded, "  ")
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]]
    return str(memoryview(data)[bounds[0] : bounds[1]], "utf-8").removesuffix("\n")


def _text_columns(rows: list[tuple] | pa.Table, width: int) -> list[pa.Array]:
    """Each column as text, NULL where the value is: Python's str() of each
    value (each distinct value once, for an Arrow column that is not text or
    integers)."""
    if not isinstance(rows, pa.Table):
        cells = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
        return [pa.array([None if value is None else str(value) for value in column], pa.string()) for column in cells]
    texts = []
    for column in rows.columns:
        column = column.combine_chunks()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            texts.append(column.cast(pa.string()))
        elif pa.types.is_integer(column.type):
            texts.append(pc.cast(column, pa.string()))
        else:  # floats, dates, decimals: as Python writes them
            distinct = pc.unique(column)
            spelled = pa.array([None if v is None else str(v) for v in distinct.to_pylist()], pa.string())
            texts.append(pc.take(spelled, pc.index_in(column, value_set=distinct)))
    return texts


def _padded(column: pa.Array, header: str) -> pa.Array:
    """The header, a rule and the cells of one column, padded to one display
    width; NULL is an empty cell. Text with wide characters is measured once
    per distinct value."""
    numeric = len(column) > 0 and column.null_count == 0
    numeric = numeric and pc.all(pc.match_substring_regex(column, NUMERIC_CELL)).as_py()
    if pc.all(pc.string_is_ascii(column)).as_py() in (True, None):  # None: no cell with text
        widths = pc.fill_null(pc.utf8_length(column), 0)
    else:
        distinct = pc.unique(column)
        distinct_widths = pa.array([0 if text is None else display_width(text) for text in distinct.to_pylist()])
        widths = pc.take(distinct_widths, pc.index_in(column, value_set=distinct))
    width = max(display_width(header), pc.max(widths).as_py() or 0)
    fills = pc.take(pa.array([" " * n for n in range(width + 1)]), pc.subtract(width, widths))
    ordered = (fills, column) if numeric else (column, fills)
    cells = pc.binary_join_element_wise(*ordered, "", null_handling="replace", null_replacement="")
    header_fill = " " * (width - display_width(header))
    head = header_fill + header if numeric else header + header_fill
    return pa.concat_arrays([pa.array([head, "-" * width], pa.string()), cells.cast(pa.string())])


def latest_year(con: duckdb.DuckDBPyConnection, ratings: str = "marts.platform_ratings") -> str | None:
    rows = con.execute(f"SELECT max(period_key) FROM {ratings} WHERE period_type = 'year'").fetchall()
    return rows[0][0]


def render_cfpb_board(serving_db: Path, period: str | None, top: int) -> str:
    """The CFPB companies with the most complaints in a period (docs block
    `cfpb_rating_method`); raises NoRatings for a period without ratings."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        period = period or latest_year(con, CFPB_RATINGS)
        if period is None:
            raise NoRatings("no CFPB company is rated yet: land CFPB exports (cfpb-*.csv) and build")
        require_rated_period(con, period, CFPB_RATINGS)
        ((n_companies,),) = con.execute(
            f"SELECT count(*) FROM {CFPB_RATINGS} WHERE period_key = $period", {"period": period}
        ).fetchall()
        rows = con.execute(CFPB_BOARD_SQL, {"period": period, "top": top or n_companies}).fetchall()
    shown = f"top {len(rows)} of {n_companies} companies" if len(rows) < n_companies else f"{n_companies} companies"
    return f"{period} CFPB companies by complaints ({shown})\n{format_table(CFPB_HEADERS, rows)}"


def render_board(serving_db: Path, kind: str, domain: str, period: str | None) -> str:
    """Raises NoRatings for a period without ratings."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        period = period or latest_year(con)
        require_rated_period(con, period or "")
        if kind == "rating":
            rows = con.execute(RATING_BOARD_SQL, {"domain": domain, "period": period}).fetchall()
            title, headers = f"{period} {domain} 消费评级榜", RATING_HEADERS
        else:
            rows = con.execute(COMPLAINT_BOARD_SQL, {"domain": domain, "period": period}).fetchall()
            title, headers = f"{period} {domain} 投诉榜", COMPLAINT_HEADERS
    if not rows:
        return f"{title}\n(no platform has rated complaints in {domain} for period {period})"
    return f"{title}\n{format_table(headers, rows)}"
