"""The BI exports: `serving/warehouse.duckdb` and `serving/parquet/`, swapped atomically."""

import dagster as dg

from orchestration.assets.dbt import tousu_dbt_models, tousu_publication
from orchestration.assets.keys import SERVING_GROUP, SERVING_MARTS
from orchestration.build_state import record_success
from orchestration.jobs import BUILD_JOB_NAME, REFRESH_JOB_NAME
from orchestration.resources import TousuDataDirResource, WarehouseEngineResource, WarehouseWriterResource
from orchestration.warehouse import serving

# Every dbt model in schema marts is served: the list follows the dbt project.
SERVED_MART_KEYS = sorted(
    (key for key in (*tousu_dbt_models.keys, *tousu_publication.keys) if key.path[0] == serving.SERVED_SCHEMA),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    key=SERVING_MARTS,
    deps=SERVED_MART_KEYS,
    group_name=SERVING_GROUP,
    pool="warehouse",
    description="Every table of schema marts, published for BI as one atomic release.",
)
def serving_marts(
    context: dg.AssetExecutionContext,
    data_dir: TousuDataDirResource,
    warehouse_writer: WarehouseWriterResource,
    engine: WarehouseEngineResource,
) -> dg.MaterializeResult:
    paths = data_dir.paths()
    marts = serving.spark_marts(engine.spark) if engine.spark is not None else serving.duckdb_marts(paths.warehouse)
    release = serving.publish(marts, paths.serving)
    context.log.info(f"serving release {release.release_id}: {release.tables}")
    if context.run.job_name in (BUILD_JOB_NAME, REFRESH_JOB_NAME):
        # the end of a successful build, or of a run of every model on the raw
        # tables as they are (a purge's): the next build may find nothing to do
        record_success(paths, release.release_id)
    return dg.MaterializeResult(
        metadata={"release": release.release_id, "path": str(release.path), "row_counts": release.tables}
    )
