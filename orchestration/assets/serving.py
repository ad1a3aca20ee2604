"""The BI exports: `serving/warehouse.duckdb` and `serving/parquet/`, swapped atomically."""

import dagster as dg

from orchestration.resources import TousuDataDirResource
from orchestration.warehouse import serving

SERVED_MARTS = ("platform_ratings", "rating_board", "complaint_board")


@dg.asset(
    key=["serving", "marts"],
    deps=[dg.AssetKey(["marts", name]) for name in SERVED_MARTS],
    group_name="serving",
    pool="warehouse",
    description="Every table of schema marts, published for BI as one atomic release.",
)
def serving_marts(context: dg.AssetExecutionContext, data_dir: TousuDataDirResource) -> dg.MaterializeResult:
    paths = data_dir.paths()
    release = serving.publish(paths.warehouse, paths.serving)
    context.log.info(f"serving release {release.release_id}: {release.tables}")
    return dg.MaterializeResult(
        metadata={"release": release.release_id, "path": str(release.path), "row_counts": release.tables}
    )
