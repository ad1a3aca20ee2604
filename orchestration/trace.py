"""Lineage for auditors: the complaints behind one rating row (`tousu trace`)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow as pa
from pyarrow import csv

from orchestration.arrow_table import format_arrow_table
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
    complaints: pa.Table


def trace(con, platform: str, period: str) -> Trace:
    """The rating row and its complaints, which stay in Arrow (a rating of a
    large platform's year has a million). `con` is a DuckDB connection or a
    Spark session's Queries: both run `execute(sql, params).fetchall()` and
    `sql(sql, params=...).to_arrow_table()`."""
    platform = normalise_name(platform)
    rows = con.execute(RATING_SQL, [platform, period]).fetchall()
    if not rows:
        raise TraceNotFound(f"no rating row for platform {platform!r} in period {period!r}")
    rating = dict(zip(RATING_COLUMNS, rows[0], strict=True))
    params = [platform, rating["period_start"], rating["period_end"]]
    complaints = con.sql(COMPLAINTS_SQL, params=params).to_arrow_table()
    return Trace(platform, period, rating, complaints)


def render_text(result: Trace) -> str:
    r = result.rating
    header = (
        f"{result.platform} {result.period}: {r['rating']}, composite_index {r['composite_index']:.6f} "
        f"(reply_rate {r['reply_rate']:.4f}, timeliness {r['timeliness']:.4f}, "
        f"satisfaction {r['satisfaction']:.4f}); {r['n_complaints']} rated complaints, "
        f"{r['n_replied']} replied, {r['n_scored']} scored"
    )
    return header + "\n" + format_arrow_table(HEADERS, result.complaints)


def render_csv(result: Trace) -> str:
    """The complaints as CSV under HEADERS (Arrow's writer: text quoted,
    numbers bare, an empty cell for NULL)."""
    buffer = io.BytesIO()
    csv.write_csv(result.complaints.rename_columns(list(HEADERS)), buffer)
    return buffer.getvalue().decode("utf-8")
