"""`tousu publish --period KEY`: freeze one closed period's ratings as a new revision.

The same Dagster job as the monthly partitions (`publish_ratings`), run for the
month in which the period ends and narrowed to that one period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import duckdb

from orchestration import engine
from orchestration.assets.keys import PUBLICATION_ASSET_NAME
from orchestration.jobs import PUBLISH_JOB_NAME
from orchestration.paths import DataDir
from orchestration.runner import BuildOutcome, run_writer_job
from orchestration.warehouse.writer import hold_writer

# Periods close at midnight in the platforms' time zone (SPEC: local dates).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class CannotPublish(ValueError):
    """The period has no ratings, or has not ended yet."""


class NothingBuilt(RuntimeError):
    """The warehouse has no ratings yet."""


@dataclass
class Publication:
    period_key: str
    partition: str
    outcome: BuildOutcome
    revision: int | None = None
    n_rows: int = 0


def _period_end(warehouse, period_key: str) -> dt.date:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        built = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'platform_ratings'"
        ).fetchall()
        if built[0][0] == 0:
            raise NothingBuilt(f"nothing built yet in {warehouse.parent}: run `tousu build` first")
        rows = con.execute(
            "SELECT DISTINCT period_end FROM marts.platform_ratings WHERE period_key = ?", [period_key]
        ).fetchall()
    if not rows:
        raise CannotPublish(
            f"no ratings for period {period_key!r} in {warehouse} (keys look like 2024, 2024-H1, 2024-Q4, 2024-12)"
        )
    return rows[0][0]


def _published(warehouse, period_key: str) -> tuple[int | None, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((revision, n_rows),) = con.execute(
            "SELECT max(revision), count(*) FILTER (WHERE revision = (SELECT max(revision)"
            " FROM marts.published_ratings WHERE period_key = $key))"
            " FROM marts.published_ratings WHERE period_key = $key",
            {"key": period_key},
        ).fetchall()
    return revision, n_rows


def publish_period(
    data_dir: DataDir, period_key: str, verbose: bool = False, today: dt.date | None = None
) -> Publication:
    """Publish `period_key` if it has ended; the writer lock is held from the
    first read to the last, so nothing changes the ratings in between."""

    today = today or dt.datetime.now(LOCAL_TZ).date()
    ratings = engine.ratings_file(data_dir)
    with hold_writer(data_dir.root):
        period_end = _period_end(ratings, period_key)
        if period_end >= today:
            raise CannotPublish(f"period {period_key} ends on {period_end}: only ended periods can be published")
        partition = period_end.strftime("%Y-%m")
        run_config = {"ops": {PUBLICATION_ASSET_NAME: {"config": {"period_key": period_key}}}}
        outcome = run_writer_job(
            data_dir, PUBLISH_JOB_NAME, run_config, partition_key=partition, verbose=verbose, log_name="publish"
        )
        publication = Publication(period_key, partition, outcome)
        if outcome.success:
            publication.revision, publication.n_rows = _published(ratings, period_key)
    return publication
