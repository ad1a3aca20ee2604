"""Lineage for auditors: the complaints behind one rating row (`tousu trace`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from orchestration.boards import format_table
from orchestration.warehouse.sql_functions import normalise_name

# Portable SQL with positional parameters: it runs on the DuckDB warehouse and,
# through orchestration.warehouse.spark.Queries, on a Spark warehouse.
RATING_COLUMNS = (
    "n_complaints",
    "n_replied",
    "n_scored",
    "reply_rate",
    "timeliness",
    "satisfaction",
    "composite_index",
    "rating",
    "period_start",
    "period_end",
)
RATING_SQL = f"SELECT {', '.join(RATING_COLUMNS)} FROM marts.platform_ratings WHERE platform = ? AND period_key = ?"
# Instants to the second: the first 19 characters of their text, on both engines.
COMPLAINTS_SQL = """
SELECT complaint_id, status, left(cast(submitted_at AS string), 19) AS submitted_at,
       left(cast(transferred_at AS string), 19) AS transferred_at,
       left(cast(first_reply_at AS string), 19) AS first_reply_at,
       round(reply_hours, 2) AS reply_hours, timeliness_score, score,
       source_file, source_line_no
FROM core.fct_complaints
WHERE is_rated AND platform = ? AND submitted_date BETWEEN ? AND ?
ORDER BY fct_complaints.submitted_at, complaint_id
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


def trace(con, platform: str, period: str) -> Trace:
    """The rating row and its complaints; `con` runs `execute(sql, params).fetchall()`:
    a DuckDB connection or a Spark session's Queries."""
    platform = normalise_name(platform)
    rows = con.execute(RATING_SQL, [platform, period]).fetchall()
    if not rows:
        raise TraceNotFound(f"no rating row for platform {platform!r} in period {period!r}")
    rating = dict(zip(RATING_COLUMNS, rows[0], strict=True))
    complaints = con.execute(COMPLAINTS_SQL, [platform, rating["period_start"], rating["period_end"]]).fetchall()
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
