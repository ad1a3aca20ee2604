"""Lineage for auditors: the complaints behind one rating row (`tousu trace`):
a platform's (电诉宝 method) or a CFPB company's."""

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

# A CFPB company's rating row counts every complaint it received in the
# period's months (docs block `cfpb_rating_method`).
CFPB_RATING_COLUMNS = (
    "n_complaints",
    "response_rate",
    "timely_rate",
    "relief_rate",
    "n_dispute_known",
    "dispute_rate",
    "period_start",
    "period_end",
)
CFPB_RATING_SQL = (
    f"SELECT {', '.join(CFPB_RATING_COLUMNS)} FROM marts.cfpb_company_ratings WHERE company = ? AND period_key = ?"
)
CFPB_COMPLAINTS_SQL = """
SELECT complaint_key, cast(received_date AS string) AS received_date, company_response,
       is_closed, is_timely, is_relief, is_disputed, source_file, source_line_no
FROM core.fct_cfpb_complaints
WHERE company = ? AND received_date BETWEEN ? AND ?
ORDER BY received_date, complaint_key
"""
CFPB_HEADERS = (
    "complaint_id",
    "received",
    "company_response",
    "responded",
    "timely",
    "relief",
    "disputed",
    "source_file",
    "line",
)


class TraceNotFound(LookupError):
    pass


@dataclass
class Trace:
    summary: str  # the rating row, in one line
    headers: tuple[str, ...]
    complaints: pa.Table


def trace(con, platform: str, period: str) -> Trace:
    """A platform's rating row and its rated complaints, which stay in Arrow (a
    rating of a large platform's year has a million). `con` is a DuckDB
    connection or a Spark session's Queries: both run `execute(sql,
    params).fetchall()` and `sql(sql, params=...).to_arrow_table()`."""
    platform = normalise_name(platform)
    r, complaints = _rating_and_complaints(con, RATING_SQL, RATING_COLUMNS, COMPLAINTS_SQL, platform, period)
    if r is None:
        raise TraceNotFound(f"no rating row for platform {platform!r} in period {period!r}")
    summary = (
        f"{platform} {period}: {r['rating']}, composite_index {r['composite_index']:.6f} "
        f"(reply_rate {r['reply_rate']:.4f}, timeliness {r['timeliness']:.4f}, "
        f"satisfaction {r['satisfaction']:.4f}); {r['n_complaints']} rated complaints, "
        f"{r['n_replied']} replied, {r['n_scored']} scored"
    )
    return Trace(summary, HEADERS, complaints)


def trace_cfpb(con, company: str, period: str) -> Trace:
    """A CFPB company's rating row and every complaint it counts; `con` as in
    trace(). The company is spelled as the board prints it."""
    r, complaints = _rating_and_complaints(
        con, CFPB_RATING_SQL, CFPB_RATING_COLUMNS, CFPB_COMPLAINTS_SQL, company, period
    )
    if r is None:
        raise TraceNotFound(f"no CFPB rating row for company {company!r} in period {period!r}")
    disputed = "-" if r["dispute_rate"] is None else f"{r['dispute_rate']:.4f}"
    summary = (
        f"{company} {period}: {r['n_complaints']} complaints received; response_rate "
        f"{r['response_rate']:.4f}, timely_rate {r['timely_rate']:.4f}, relief_rate {r['relief_rate']:.4f}, "
        f"dispute_rate {disputed} (of {r['n_dispute_known']} with a known dispute)"
    )
    return Trace(summary, CFPB_HEADERS, complaints)


def _rating_and_complaints(
    con, rating_sql: str, rating_columns: tuple[str, ...], complaints_sql: str, subject: str, period: str
) -> tuple[dict | None, pa.Table | None]:
    """The rating row of (`subject`, `period`) by name, and the complaints of
    `subject` between the row's period_start and period_end; (None, None)
    when there is no such row."""
    rows = con.execute(rating_sql, [subject, period]).fetchall()
    if not rows:
        return None, None
    rating = dict(zip(rating_columns, rows[0], strict=True))
    params = [subject, rating["period_start"], rating["period_end"]]
    return rating, con.sql(complaints_sql, params=params).to_arrow_table()


def render_text(result: Trace) -> str:
    return result.summary + "\n" + format_arrow_table(result.headers, result.complaints)


def render_csv(result: Trace) -> str:
    """The complaints as CSV under their headers (Arrow's writer: text quoted,
    numbers bare, an empty cell for NULL)."""
    buffer = io.BytesIO()
    csv.write_csv(result.complaints.rename_columns(list(result.headers)), buffer)
    return buffer.getvalue().decode("utf-8")
