"""Jobs and schedules: the nightly build, and publication by month."""

import dagster as dg

from orchestration.assets.dbt import publication_partitions, tousu_publication
from orchestration.assets.serving import serving_marts
from orchestration.build import BUILD_JOB_NAME

PUBLISH_JOB_NAME = "publish_ratings"

# Ingest landing files, dbt build with tests, refresh serving: everything but
# publication, which only ever runs on purpose.
build_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(tousu_publication),
    description="Ingest new landing files, run dbt build with its tests, refresh serving/.",
)

# Publication, then a serving release, so BI sees what was just published.
publish_job = dg.define_asset_job(
    PUBLISH_JOB_NAME,
    selection=dg.AssetSelection.assets(tousu_publication, serving_marts),
    description="Freeze the ratings of every period ending in the month into "
                "marts.published_ratings, then refresh serving/.",
)

daily_build_schedule = dg.ScheduleDefinition(
    name="daily_build",
    job=build_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Build every night at 02:00 Shanghai time, after the day's dumps have landed.",
)


@dg.schedule(
    job=publish_job,
    # The 8th: replies count as timely up to 120 hours (5 days) after transfer, so
    # by then the last complaints of the month have had their full window.
    cron_schedule="0 6 8 * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="On the 8th at 06:00 Shanghai time, publish the previous month and the "
                "periods it closes. Off by default: publishing is an editorial decision.",
)
def monthly_publication_schedule(context: dg.ScheduleEvaluationContext):
    month = publication_partitions.get_last_partition_key(current_time=context.scheduled_execution_time)
    if month is None:
        return dg.SkipReason("no month has ended since the first publication month")
    return dg.RunRequest(partition_key=month, run_key=f"publish-{month}")
