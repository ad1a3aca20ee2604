"""Period keys as users type them (SPEC section 4): checked before any query."""

from __future__ import annotations

import argparse
import re

import duckdb

PERIOD_KEY_FORMS = "YYYY (year), YYYY-H1/YYYY-H2 (half), YYYY-Q1…Q4 (quarter), YYYY-MM (month)"
_PERIOD_KEY = re.compile(r"\d{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?")


def period_key(text: str) -> str:
    """argparse type: a well-formed period key, else exit 2 with the forms."""
    if not _PERIOD_KEY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is no period key; valid forms: {PERIOD_KEY_FORMS}")
    return text


def year_number(text: str) -> int:
    """argparse type: a four-digit year."""
    if not re.fullmatch(r"\d{4}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is no year; a year has four digits, e.g. 2024")
    return int(text)


class NoRatings(LookupError):
    """A well-formed period (or year) that has no ratings."""


def require_rated_period(con: duckdb.DuckDBPyConnection, period: str, ratings: str = "marts.platform_ratings") -> None:
    """Stop with the years that have ratings when `period` has none in `ratings`
    (marts.platform_ratings, or marts.cfpb_company_ratings)."""
    ((found,),) = con.execute(
        f"SELECT count(*) > 0 FROM {ratings} WHERE period_key = $period", {"period": period}
    ).fetchall()
    if not found:
        years = [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT period_key FROM {ratings} WHERE period_type = 'year' ORDER BY 1"
            ).fetchall()
        ]
        raise NoRatings(f"no ratings for period {period}; years with ratings: {', '.join(years) or 'none'}")
