"""The dbt project as Dagster assets; its tests are asset checks.

Two asset definitions share the project: `tousu_dbt_models` (everything but
publication, built by every build) and `tousu_publication` (marts/published_ratings,
partitioned by month, built only to publish).
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.dbt_manifest import read_manifest_path

from orchestration.assets.keys import (
    AUDIT_INGESTED_FILES,
    DBT_ASSET_NAME,
    INGESTION_KEYS,
    PUBLICATION_ASSET_NAME,
    PUBLICATION_MODEL,
)
from orchestration.build_scope import AS_LAST_BUILT, ROWS_WRITTEN, source_ids_by_table, unchanged_nodes
from orchestration.dbt_runs import PARTIAL_PARSE_FILE, prepare_invocation
from orchestration.failpoints import failpoint
from orchestration.manifest import build_environment
from orchestration.process_env import environment
from orchestration.project import tousu_dbt_project
from orchestration.resources import TousuDataDirResource, WarehouseEngineResource, WarehouseWriterResource
from orchestration.version import code_version
from orchestration.warehouse.serving import SERVED_SCHEMA

# Ratings are published per month in the platforms' time zone (SPEC: local
# dates are Asia/Shanghai). end_offset=0: only months that have ended exist.
publication_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2020-01", fmt="%Y-%m", timezone="Asia/Shanghai", end_offset=0
)


class TousuDbtTranslator(DagsterDbtTranslator):
    """Sources map to the keys ingestion materializes (`raw/complaints`, `audit/…`);
    models are grouped by their folder layer (staging, intermediate, core, ratings)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[-2] if fqn[1] == "marts" else fqn[1]
        return "reference" if dbt_resource_props["resource_type"] == "seed" else "snapshots"


# Source tests (uniqueness of raw lines, the audit ledger) become checks on the
# raw/audit assets that ingestion materializes.
translator = TousuDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
)


def dbt_invocation_dir(context: dg.AssetExecutionContext, data_dir: TousuDataDirResource) -> Path:
    """A fresh folder in the data directory's logs/dbt/ for this invocation's
    artifacts, started from the step's last parse state (orchestration/dbt_runs.py)."""
    return prepare_invocation(
        data_dir.paths().dbt_runs,
        context.op_execution_context.op.name,
        context.run.run_id,
        project_state=Path(tousu_dbt_project.manifest_path).with_name(PARTIAL_PARSE_FILE),
    )


class DbtBuildConfig(dg.Config):
    # Rebuild incremental models from every raw line (`tousu build --full-refresh`).
    # published_ratings is never rebuilt: it is configured full_refresh=false.
    full_refresh: bool = False


@dbt_assets(
    manifest=tousu_dbt_project.manifest_path,
    project=tousu_dbt_project,
    dagster_dbt_translator=translator,
    exclude=PUBLICATION_MODEL,
    name=DBT_ASSET_NAME,
    pool="warehouse",
)
def tousu_dbt_models(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    data_dir: TousuDataDirResource,
    warehouse_writer: WarehouseWriterResource,
    engine: WarehouseEngineResource,
):
    """`dbt build`: seeds, snapshot, models and their tests, in dependency order."""
    args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
    # Unit tests check the SQL on fixed inputs, not the data: they run in CI
    # (`make test`), as dbt advises, not in every build.
    args += ["--exclude-resource-type", "unit_test"]
    unchanged = [] if config.full_refresh else nodes_left_as_they_are(context)
    if unchanged:
        context.log.info(f"{len(unchanged)} dbt nodes read nothing this run wrote; left as they are: {unchanged}")
        args += ["--exclude", " ".join(unchanged)]
    # Data tests that passed on this project's code check only changed rows: the
    # project hash in dbt's environment says which code that is
    # (dbt_project/macros/data_tests_on_changes.sql). dagster-dbt starts dbt,
    # with a copy of the environment, when the invocation is created.
    settings = {**data_dir.dbt_environment(engine.name), **build_environment(tousu_dbt_project.manifest_path)}
    with environment(settings):
        invocation = dbt.cli(args, context=context, target_path=dbt_invocation_dir(context, data_dir))
    for event in invocation.stream():
        yield event
        if isinstance(event, dg.Output):
            failpoint(f"dbt:after:{event.output_name}")


def nodes_left_as_they_are(context: dg.AssetExecutionContext) -> list[str]:
    """The dbt nodes this build need not run (orchestration/build_scope.py):
    none when this run did not ingest first (a run of the dbt assets alone), or
    when the warehouse or the code changed since the last successful build."""
    run_id = context.run.run_id
    ledger = context.instance.get_latest_materialization_event(AUDIT_INGESTED_FILES)
    if ledger is None or ledger.run_id != run_id:
        return []
    if not _metadata(ledger).get(AS_LAST_BUILT, False):
        return []
    # The ledger gets rows in every run that ingests; the other sources only
    # when a file of their kind brought lines.
    written = {AUDIT_INGESTED_FILES}
    for key in set(INGESTION_KEYS) - written:
        event = context.instance.get_latest_materialization_event(key)
        if event is None or event.run_id != run_id or _metadata(event).get(ROWS_WRITTEN, 1) > 0:
            written.add(key)
    # the manifest the dbt assets were defined from, parsed once per process
    manifest = read_manifest_path(tousu_dbt_project.manifest_path)
    sources = source_ids_by_table(manifest)
    changed = [sources[tuple(key.path)] for key in written if tuple(key.path) in sources]
    return unchanged_nodes(manifest, changed, always_built_schemas=[SERVED_SCHEMA])


def _metadata(event: dg.EventLogEntry) -> dict[str, Any]:
    return {name: value.value for name, value in event.asset_materialization.metadata.items()}


class PublicationConfig(dg.Config):
    # Publish only this period (it must end in the partition's month), as
    # `tousu publish --period KEY` does; unset: every period ending in the month.
    period_key: str | None = None


@dbt_assets(
    manifest=tousu_dbt_project.manifest_path,
    project=tousu_dbt_project,
    dagster_dbt_translator=translator,
    select=PUBLICATION_MODEL,
    name=PUBLICATION_ASSET_NAME,
    partitions_def=publication_partitions,
    # A backfill of many months is one run and one dbt invocation.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
)
def tousu_publication(
    context: dg.AssetExecutionContext,
    config: PublicationConfig,
    dbt: DbtCliResource,
    data_dir: TousuDataDirResource,
    warehouse_writer: WarehouseWriterResource,
    engine: WarehouseEngineResource,
):
    """Publish every rated period that ends in the partition's months (a month,
    and the quarter, half and year it closes) as a new revision of each."""
    dbt_vars = publication_vars(context.partition_time_window, config.period_key)
    context.log.info(f"publishing with dbt vars {dbt_vars}")
    with environment(data_dir.dbt_environment(engine.name)):
        invocation = dbt.cli(
            ["build", "--vars", json.dumps(dbt_vars)],
            context=context,
            target_path=dbt_invocation_dir(context, data_dir),
        )
    yield from invocation.stream()


def publication_vars(window: dg.TimeWindow, period_key: str | None) -> dict[str, str]:
    """dbt vars for one publication: the period_end bounds of the months in
    `window`, or one period when `period_key` is given."""
    dbt_vars = {"code_version": code_version()}
    if period_key:
        dbt_vars["publish_period_key"] = period_key
    else:
        dbt_vars["publish_period_end_from"] = window.start.date().isoformat()
        dbt_vars["publish_period_end_before"] = window.end.date().isoformat()
    return dbt_vars
