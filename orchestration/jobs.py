"""Jobs and schedules: one build of everything, daily."""

import dagster as dg

# Every asset: ingest landing files, dbt build with tests, publish serving.
build_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest new landing files, run dbt build with its tests, refresh serving/.",
)

daily_build_schedule = dg.ScheduleDefinition(
    name="daily_build",
    job=build_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description="Build every night at 02:00 Shanghai time, after the day's dumps have landed.",
)
