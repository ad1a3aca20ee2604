"""The dbt project as Dagster assets; its tests are asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.project import tousu_dbt_project
from orchestration.resources import TousuDataDirResource


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


@dbt_assets(
    manifest=tousu_dbt_project.manifest_path,
    project=tousu_dbt_project,
    dagster_dbt_translator=translator,
    pool="warehouse",
)
def tousu_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: TousuDataDirResource):
    """`dbt build`: seeds, snapshot, models and their tests, in dependency order."""
    data_dir.export_for_dbt()
    yield from dbt.cli(["build"], context=context).stream()
