"""Lineage for auditors: the complaints behind one rating row (`tousu trace`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.boards import format_table
from orchestration.warehouse.sql_functions import normalise_name

RATING_SQL = """
SELECT n_complaints, n_replied, n_scored, reply_rate, timeliness, satisfaction,
       composite_index, rating, period_start, period_end
FROM marts.platform_ratings WHERE platform = $platform AND period_key = $period
"""
COMPLAINTS_SQL = """
SELECT complaint_id, status, strftime(submitted_at, '%Y-%m-%d %H:%M:%S') AS submitted_at,
       strftime(transferred_at, '%Y-%m-%d %H:%M:%S') AS transferred_at,
       strftime(first_reply_at, '%Y-%m-%d %H:%M:%S') AS first_reply_at,
       round(reply_hours, 2) AS reply_hours, timeliness_score, score,
       source_file, source_line_no
FROM core.fct_complaints
WHERE is_rated AND platform = $platform AND submitted_date BETWEEN $start AND $end
ORDER BY submitted_at, complaint_id
"""
HEADERS = (
    "complaint_id",
    "status",
    "submitted_at",
    "transferred_at",
    "first_reply_at",
    "reply_hours",
    "timeliness",
    "score",
    "source_file",
    "line",
)


class TraceNotFound(LookupError):
    pass


@dataclass
class Trace:
    platform: str
    period: str
    rating: dict
    complaints: list[tuple]


def trace(warehouse: Path, platform: str, period: str) -> Trace:
    platform = normalise_name(platform)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(RATING_SQL, {"platform": platform, "period": period})
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
        if not rows:
            raise TraceNotFound(f"no rating row for platform {platform!r} in period {period!r}")
        rating = dict(zip(names, rows[0], strict=True))
        complaints = con.execute(
            COMPLAINTS_SQL,
            {"platform": platform, "start": rating["period_start"], "end": rating["period_end"]},
        ).fetchall()
    return Trace(platform, period, rating, complaints)


def render_text(result: Trace) -> str:
    r = result.rating
    header = (
        f"{result.platform} {result.period}: {r['rating']}, composite_index {r['composite_index']:.6f} "
        f"(reply_rate {r['reply_rate']:.4f}, timeliness {r['timeliness']:.4f}, "
        f"satisfaction {r['satisfaction']:.4f}); {r['n_complaints']} rated complaints, "
        f"{r['n_replied']} replied, {r['n_scored']} scored"
    )
    cells = [tuple("" if value is None else value for value in row) for row in result.complaints]
    return header + "\n" + format_table(HEADERS, cells)


def render_csv(result: Trace) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(result.complaints)
    return buffer.getvalue()
