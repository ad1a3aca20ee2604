"""The contract's enumerations, read from the dbt seeds that define them.

`seeds/complaint_statuses.csv`, `seeds/domains.csv`, `seeds/reply_authors.csv`
and `seeds/rating_grades.csv` are the one definition of each list: dbt loads
them as reference tables (models join them, relationships tests check against
them); ingestion validates lines and the report names grades through this module.
"""

from __future__ import annotations

import csv
from functools import cache

from orchestration.paths import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"


@cache
def _rows(seed: str) -> tuple[dict[str, str], ...]:
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def domains() -> tuple[str, ...]:
    """The nine domains a complaint or a registry row may name."""
    return tuple(row["domain"] for row in _rows("domains"))


def statuses() -> tuple[str, ...]:
    """Every complaint status."""
    return tuple(row["status"] for row in _rows("complaint_statuses"))


def rated_statuses() -> tuple[str, ...]:
    """Statuses meaning the complaint was transferred to the platform (有效投诉):
    the complaints a rating counts, and those that need a transferred_at."""
    return tuple(row["status"] for row in _rows("complaint_statuses") if row["is_rated"] == "true")


def reply_authors() -> tuple[str, ...]:
    """Who may write a reply."""
    return tuple(row["author"] for row in _rows("reply_authors"))


def rating_grades() -> tuple[tuple[str, str], ...]:
    """(rating_code, rating) of each grade, best first."""
    return tuple((row["rating_code"], row["rating"]) for row in _rows("rating_grades"))


def sql_list(values: tuple[str, ...]) -> str:
    """A SQL IN list of string literals (the values are the seeds' own)."""
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"


def cfpb_company_responses() -> tuple[str, ...]:
    """Every value of a CFPB record's `Company response to consumer`."""
    return tuple(row["company_response"] for row in _rows("cfpb_company_responses"))
