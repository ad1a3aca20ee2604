"""The Dagster entry point (`dagster dev -m orchestration.definitions`)."""

import dagster as dg

from orchestration.assets.dbt import tousu_dbt_models, tousu_publication
from orchestration.assets.ingestion import landing_files, landing_ingestion, purged_lines
from orchestration.assets.serving import serving_marts
from orchestration.jobs import (
    build_job,
    daily_build_schedule,
    monthly_publication_schedule,
    publish_job,
    refresh_job,
)
from orchestration.resources import build_resources
from orchestration.sensors import landing_files_sensor

defs = dg.Definitions(
    assets=[landing_files, purged_lines, landing_ingestion, tousu_dbt_models, tousu_publication, serving_marts],
    jobs=[build_job, refresh_job, publish_job],
    schedules=[daily_build_schedule, monthly_publication_schedule],
    sensors=[landing_files_sensor],
    resources=build_resources(),
    # Steps run one after another in the run's own process: they all write the
    # one warehouse file, so parallel steps would only wait on each other.
    executor=dg.in_process_executor,
)
