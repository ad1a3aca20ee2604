"""What a period's report shows, read from serving/ (the marts BI sees).

A report covers one rated period — a year, a half, a quarter or a month — as
电诉宝 publishes them: the period's boards and distributions, and per platform
the rating rows of every period inside it (for a year: 全年, the halves, the
quarters and the months)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.periods import require_rated_period
from orchestration.reference import rating_grades

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
    period_key: str
    period_title: str  # 2024年, 2024年上半年, 2024年第四季度, 2024年12月
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


def period_title(year: int, period_type: str, label: str) -> str:
    return f"{year}年" if period_type == "year" else f"{year}年{label}"


def rated_domains(serving_db: Path, period_key: str) -> list[str]:
    """Domains with at least one rating row in the period (after checking it has ratings)."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        require_rated_period(con, period_key)
        return [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT domain FROM marts.platform_ratings WHERE period_key = $period ORDER BY 1",
                {"period": period_key},
            ).fetchall()
        ]


def _summary(periods: list[dict], period_key: str) -> dict:
    """The rating count of a platform over the periods inside the report's period,
    as platform_annual_summary counts a year."""
    counts = {code: sum(row["rating_code"] == code for row in periods) for code, _ in rating_grades()}
    own = next((row["rating"] for row in periods if row["period_key"] == period_key), "")
    return {"n_ratings": len(periods), **{f"n_{code}": n for code, n in counts.items()}, "period_rating": own}


def load(serving_db: Path, period_key: str, domain: str) -> ReportData:
    params = {"domain": domain, "period": period_key}
    with duckdb.connect(str(serving_db), read_only=True) as con:
        require_rated_period(con, period_key)
        ((period_type, label, start, end),) = con.execute(
            "SELECT DISTINCT period_type, period_label, period_start, period_end FROM marts.platform_ratings"
            " WHERE period_key = $period",
            {"period": period_key},
        ).fetchall()
        board = _records(
            con,
            """
            SELECT b.rank, b.platform, r.reply_rate, r.timeliness, r.satisfaction,
                   b.composite_index, b.rating, b.n_complaints
            FROM marts.rating_board b JOIN marts.platform_ratings r USING (platform, period_key)
            WHERE b.domain = $domain AND b.period_key = $period
            ORDER BY b.rank, b.n_complaints DESC, b.platform""",
            params,
        )
        complaint_board = _records(
            con,
            """
            SELECT rank, platform, n_complaints FROM marts.complaint_board
            WHERE domain = $domain AND period_key = $period ORDER BY rank, platform""",
            params,
        )
        n_complaints = sum(row["n_complaints"] for row in board)
        data = ReportData(
            start.year,
            period_key,
            period_title(start.year, period_type, label),
            domain,
            n_complaints,
            complaint_board,
            board,
            _distribution(con, "domain_distribution", "domain", domain, period_key),
        )
        on_board = {row["platform"] for row in board}
        for platform in [row["platform"] for row in complaint_board if row["platform"] in on_board]:
            member = {"platform": platform, "start": start, "end": end}
            periods = _records(
                con,
                """
                SELECT period_key, period_type, period_label, period_end, n_complaints, reply_rate, timeliness,
                       satisfaction, composite_index, rating, rating_code
                FROM marts.platform_ratings
                WHERE platform = $platform AND period_start >= $start AND period_end <= $end""",
                member,
            )
            # the year's typical cases (typical_cases picks three per year) that fall in the period
            cases = _records(
                con,
                """
                SELECT * FROM marts.typical_cases WHERE platform = $platform AND year = year($start)
                  AND submitted_date BETWEEN $start AND $end
                ORDER BY case_rank""",
                member,
            )
            data.platforms.append(
                PlatformSection(
                    platform,
                    sorted(periods, key=period_order),
                    _summary(periods, period_key),
                    _distribution(con, "platform_distribution", "platform", platform, period_key),
                    cases,
                )
            )
    return data
