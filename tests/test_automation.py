"""The landing sensor and the schedules, evaluated with built contexts."""

import datetime as dt
import gzip
import json
import os
import time

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.resources import TousuDataDirResource
from orchestration.sensors import SETTLE_SECONDS_ENV, landing_files_sensor


def land(data_dir, name: str, age_seconds: float = 3600, content: bytes = b"{}\n") -> None:
    path = data_dir.landing / name
    path.write_bytes(content)
    mtime = time.time() - age_seconds
    os.utime(path, (mtime, mtime))


def evaluate(data_dir, cursor: str | None = None):
    with dg.build_sensor_context(
        cursor=cursor, resources={"data_dir": TousuDataDirResource(data_dir=str(data_dir.root))}
    ) as context:
        result = landing_files_sensor(context)
        return result, result.cursor


def started(result: dg.SensorResult) -> dg.RunRequest | None:
    assert len(result.run_requests or []) <= 1
    return result.run_requests[0] if result.run_requests else None


def test_no_landing_files_means_no_run(data_dir):
    result, _ = evaluate(data_dir)
    assert started(result) is None and result.skip_reason


def test_new_files_start_one_build_and_not_twice(data_dir):
    land(data_dir, "complaints-2024-01-01.jsonl")
    land(data_dir, "platforms-2024-01-01.csv")
    land(data_dir, "notes.txt")  # not a landing file name: never a reason to build
    result, cursor = evaluate(data_dir)
    first = started(result)
    assert first.tags["tousu/new_files"] == "2"
    assert sorted(json.loads(cursor)) == ["complaints-2024-01-01.jsonl", "platforms-2024-01-01.csv"]
    # what arrived is recorded on the landing asset, visible in the UI
    (observation,) = result.asset_events
    assert observation.asset_key == dg.AssetKey(["landing", "files"])
    assert observation.metadata["new_files"].value == ["complaints-2024-01-01.jsonl", "platforms-2024-01-01.csv"]

    again, cursor = evaluate(data_dir, cursor)
    assert started(again) is None

    land(data_dir, "complaints-2024-01-02.jsonl.gz")
    third, _ = evaluate(data_dir, cursor)
    assert started(third).tags["tousu/new_files"] == "1"
    assert started(third).run_key != first.run_key


def test_a_first_tick_on_a_built_data_directory_starts_no_build_for_ingested_files(data_dir):
    """Issue 14.16: the sensor starts from the ledger's signatures, as the last
    ingestion wrote them (real ingestion, no dbt)."""
    from orchestration import ledger
    from orchestration.ingestion.run import ingest_landing
    from orchestration.warehouse.connection import connect

    land(data_dir, "complaints-2024-01-01.jsonl")
    land(data_dir, "complaints-2024-01-02.jsonl.gz", content=gzip.compress(b"{}\n"))
    with connect(data_dir.warehouse) as con:
        ingest_landing(con, data_dir.landing)
        ledger.write(data_dir.ledger_snapshot, ledger.read(con))
    result, cursor = evaluate(data_dir)  # no cursor: a sensor just switched on
    assert started(result) is None
    land(data_dir, "complaints-2024-01-03.jsonl")
    assert started(evaluate(data_dir, cursor)[0]).tags["tousu/new_files"] == "1"


def test_a_file_still_being_written_waits_until_it_settles(data_dir, monkeypatch):
    monkeypatch.setenv(SETTLE_SECONDS_ENV, "60")
    land(data_dir, "complaints-2024-01-01.jsonl", age_seconds=1)
    result, cursor = evaluate(data_dir)
    assert started(result) is None and json.loads(cursor) == {}

    land(data_dir, "complaints-2024-01-01.jsonl", age_seconds=120)
    result, _ = evaluate(data_dir, cursor)
    assert started(result) is not None


def test_a_changed_file_is_seen_again(data_dir):
    land(data_dir, "complaints-2024-01-01.jsonl")
    _, cursor = evaluate(data_dir)
    land(data_dir, "complaints-2024-01-01.jsonl", content=b"{}\n{}\n")
    result, _ = evaluate(data_dir, cursor)
    # The build then refuses the changed file by name; the sensor only starts it.
    assert started(result) is not None


def test_the_sensor_targets_the_build_and_runs_by_default():
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.job_name == "build_warehouse"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_daily_schedule_builds_at_two_in_shanghai_unless_nothing_is_new(data_dir, monkeypatch):
    from orchestration import jobs

    schedule = defs.resolve_schedule_def("daily_build")

    def tick():
        with dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2025, 3, 4, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            resources={"data_dir": TousuDataDirResource(data_dir=str(data_dir.root))},
        ) as context:
            return schedule.evaluate_tick(context)

    assert len(list(tick().run_requests)) == 1 and schedule.job_name == "build_warehouse"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setattr(jobs, "nothing_new", lambda paths: "20250303T020000-abc")
    skipped = tick()
    assert not skipped.run_requests and "nothing new" in skipped.skip_message


@pytest.mark.parametrize(
    ("when", "partition"),
    [
        (dt.datetime(2025, 3, 8, 6, 0), "2025-02"),
        (dt.datetime(2025, 1, 8, 6, 0), "2024-12"),
    ],
)
def test_the_monthly_publication_publishes_the_month_that_ended(when, partition):
    schedule = defs.resolve_schedule_def("monthly_publication_schedule")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    context = dg.build_schedule_context(scheduled_execution_time=when.replace(tzinfo=shanghai))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == partition
    assert schedule.job_name == "publish_ratings"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
