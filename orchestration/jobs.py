"""Jobs and schedules: the nightly build, and publication by month.

Jobs select assets by key and group (orchestration/assets/keys.py), never by
importing them: the in-process runner imports this module for the job names
before dbt's manifest is prepared, and the serving asset imports it too.
"""

import dagster as dg

from orchestration.assets.keys import INGESTION_GROUP, PUBLISHED_RATINGS, SERVING_MARTS
from orchestration.build_state import nothing_new
from orchestration.resources import TousuDataDirResource

BUILD_JOB_NAME = "build_warehouse"
REFRESH_JOB_NAME = "refresh_warehouse"
PUBLISH_JOB_NAME = "publish_ratings"

PUBLICATION = dg.AssetSelection.assets(PUBLISHED_RATINGS)

# Ingest landing files, dbt build with tests, refresh serving: everything but
# publication, which only ever runs on purpose.
build_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all() - PUBLICATION,
    description="Ingest new landing files, run dbt build with its tests, refresh serving/.",
)

# dbt build and serving without ingesting: brings what is derived from the raw
# tables up to date with them as they are (`tousu purge` runs it after deleting).
refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(INGESTION_GROUP) - PUBLICATION,
    description="dbt build (with tests) and a serving release from the raw tables as they are; no ingestion.",
)

# Publication, then a serving release, so BI sees what was just published.
publish_job = dg.define_asset_job(
    PUBLISH_JOB_NAME,
    selection=PUBLICATION | dg.AssetSelection.assets(SERVING_MARTS),
    description="Freeze the ratings of every period ending in the month into "
    "marts.published_ratings, then refresh serving/.",
)


@dg.schedule(
    name="daily_build",
    job=build_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Build every night at 02:00 Shanghai time, after the day's dumps have landed; "
    "skipped when nothing landed and the code is the last build's.",
)
def daily_build_schedule(context: dg.ScheduleEvaluationContext, data_dir: TousuDataDirResource):
    release = nothing_new(data_dir.paths())
    if release:
        return dg.SkipReason(f"nothing new since the build of serving release {release}")
    return dg.RunRequest()


# The last month that has ended, on the 8th at 06:00 Shanghai time: replies count
# as timely up to 120 hours (5 days) after transfer, so by then the month's last
# complaints have had their full window. Off by default: publishing is an
# editorial decision.
monthly_publication_schedule = dg.build_schedule_from_partitioned_job(
    publish_job,
    name="monthly_publication_schedule",
    day_of_month=8,
    hour_of_day=6,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Publish the month that ended (and the quarter, half and year it closes).",
)
