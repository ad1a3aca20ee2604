"""Boards as aligned text tables, read from serving/ (what BI sees)."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import duckdb

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


# A cell of a right-aligned column: a number, a percentage, or "-" (no value).
# Python's re reads \d as any decimal digit; RE2 (Arrow's kernels, in
# orchestration/arrow_table.py) spells that \p{Nd}.
NUMERIC_CELL = r"-|(?:\d+\.?\d*|\.\d+)%*"


def _padded(column: tuple[str, ...], header: str) -> list[str]:
    """The header, a rule and the cells of one column padded to one display
    width: right-aligned when every cell is a number. A column of ASCII text
    pads with str methods; only text with wide characters is measured per
    character."""
    numeric = bool(column) and all(re.fullmatch(NUMERIC_CELL, cell) for cell in column)
    if "".join(column).isascii():
        widths = [len(cell) for cell in column]
    else:
        widths = [display_width(cell) for cell in column]
    width = max([display_width(header), *widths])
    cells = [header, *column]
    fills = [" " * (width - w) for w in [display_width(header), *widths]]
    padded = [fill + cell if numeric else cell + fill for cell, fill in zip(cells, fills, strict=True)]
    return [padded[0], "-" * width, *padded[1:]]


def format_table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    """A few rows (a board, the audit's counts) as aligned text: CJK
    characters count two columns, a NULL is an empty cell. A million rows go
    through orchestration/arrow_table.py instead, which lays them out the same."""
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    columns = list(zip(*cells, strict=True)) if cells else [() for _ in headers]
    padded = [_padded(column, header) for column, header in zip(columns, headers, strict=True)]
    return "\n".join("  ".join(line) for line in zip(*padded, strict=True))


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
