"""What the annual report shows, read from serving/ (the marts BI sees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.periods import require_rated_period

DIMENSIONS = ("problem_type", "province", "gender", "amount_band")
PERIOD_TYPE_ORDER = {"year": 0, "half": 1, "quarter": 2, "month": 3}


@dataclass
class PlatformSection:
    platform: str
    periods: list[dict]
    summary: dict
    distribution: dict[str, list[tuple[str, float]]]
    cases: list[dict]


@dataclass
class ReportData:
    year: int
    domain: str
    n_complaints: int
    complaint_board: list[dict]  # rank, platform, n_complaints
    rating_board: list[dict]
    distribution: dict[str, list[tuple[str, float]]]
    platforms: list[PlatformSection] = field(default_factory=list)


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _distribution(con, table: str, member_column: str, member: str, period: str) -> dict:
    rows = con.execute(
        f"SELECT dimension, value, share FROM marts.{table}"
        f" WHERE {member_column} = $member AND period_key = $period ORDER BY dimension, share DESC, value",
        {"member": member, "period": period},
    ).fetchall()
    result: dict[str, list[tuple[str, float]]] = {dimension: [] for dimension in DIMENSIONS}
    for dimension, value, share in rows:
        result[dimension].append((value, share))
    return result


def period_order(row: dict) -> tuple:
    """The reference's table order: 全年, 下半年, 第四季度, 12月, 11月, 10月, 第三季度 … 1月:
    later periods first, and a longer period before the shorter ones it ends with."""
    return (-row["period_end"].toordinal(), PERIOD_TYPE_ORDER[row["period_type"]])


def load(serving_db: Path, year: int, domain: str) -> ReportData:
    key = str(year)
    params = {"domain": domain, "period": key}
    with duckdb.connect(str(serving_db), read_only=True) as con:
        require_rated_period(con, key)
        board = _records(con, """
            SELECT b.rank, b.platform, r.reply_rate, r.timeliness, r.satisfaction,
                   b.composite_index, b.rating, b.n_complaints
            FROM marts.rating_board b JOIN marts.platform_ratings r USING (platform, period_key)
            WHERE b.domain = $domain AND b.period_key = $period
            ORDER BY b.rank, b.n_complaints DESC, b.platform""", params)
        complaint_board = _records(con, """
            SELECT rank, platform, n_complaints FROM marts.complaint_board
            WHERE domain = $domain AND period_key = $period ORDER BY rank, platform""", params)
        n_complaints = sum(row["n_complaints"] for row in board)
        data = ReportData(year, domain, n_complaints, complaint_board, board,
                          _distribution(con, "domain_distribution", "domain", domain, key))
        on_board = {row["platform"] for row in board}
        for platform in [row["platform"] for row in complaint_board if row["platform"] in on_board]:
            member = {"platform": platform, "year": year}
            periods = _records(con, """
                SELECT period_key, period_type, period_label, period_end, n_complaints, reply_rate, timeliness,
                       satisfaction, composite_index, rating
                FROM marts.platform_ratings
                WHERE platform = $platform AND year(period_start) = $year""", member)
            summary = _records(con, """
                SELECT * FROM marts.platform_annual_summary
                WHERE platform = $platform AND year = $year""", member)
            cases = _records(con, """
                SELECT * FROM marts.typical_cases WHERE platform = $platform AND year = $year
                ORDER BY case_rank""", member)
            data.platforms.append(PlatformSection(
                platform, sorted(periods, key=period_order), summary[0] if summary else {},
                _distribution(con, "platform_distribution", "platform", platform, key), cases,
            ))
    return data
