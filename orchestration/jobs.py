"""Jobs and schedules: the nightly build, and publication by month."""

import dagster as dg

from orchestration.assets.dbt import tousu_dbt_models, tousu_publication
from orchestration.assets.serving import serving_marts
from orchestration.build import BUILD_JOB_NAME
from orchestration.build_state import nothing_new
from orchestration.resources import TousuDataDirResource

PUBLISH_JOB_NAME = "publish_ratings"
REFRESH_JOB_NAME = "refresh_warehouse"

# Ingest landing files, dbt build with tests, refresh serving: everything but
# publication, which only ever runs on purpose.
build_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(tousu_publication),
    description="Ingest new landing files, run dbt build with its tests, refresh serving/.",
)

# dbt build and serving without ingesting: rebuilds what is derived from the raw
# tables as they are (`tousu purge` runs it as a full refresh after deleting).
refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.assets(tousu_dbt_models, serving_marts),
    description="dbt build (with tests) and a serving release from the raw tables as they are; no ingestion.",
)

# Publication, then a serving release, so BI sees what was just published.
publish_job = dg.define_asset_job(
    PUBLISH_JOB_NAME,
    selection=dg.AssetSelection.assets(tousu_publication, serving_marts),
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
