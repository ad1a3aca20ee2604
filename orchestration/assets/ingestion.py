"""Landing files → raw tables, as one Dagster multi-asset."""

import datetime as dt
from collections import Counter

import dagster as dg

from orchestration import ledger
from orchestration.assets.ingestion_checks import (
    FRESHNESS_CHECK,
    check_freshness,
    freshness_policies,
)
from orchestration.assets.keys import (
    AUDIT_INGESTED_FILES,
    AUDIT_PURGED_LINES,
    AUDIT_QUARANTINE,
    INGESTION_GROUP,
    INGESTION_KEYS,
    LANDING_FILES,
    RAW_CFPB_COMPLAINTS,
    RAW_COMPLAINTS,
    RAW_PLATFORMS,
)
from orchestration.build_scope import AS_LAST_BUILT, ROWS_WRITTEN
from orchestration.build_state import as_last_built, forget_success
from orchestration.ingestion.landing import FileKind
from orchestration.ingestion.run import FileOutcome, IngestionReport, ingest_landing
from orchestration.resources import TousuDataDirResource, WarehouseEngineResource, WarehouseWriterResource
from orchestration.warehouse.connection import connect

# The landing zone, where the graph begins: written by the platforms, never by
# tousu; the landing sensor records what it sees there as observations.
landing_files = dg.AssetSpec(
    LANDING_FILES,
    description="Complaint dumps (complaints-*.jsonl[.gz]), registries (platforms-*.csv) and CFPB "
    "exports (cfpb-*.csv[.gz], cfpb-*.zip) in $TOUSU_DATA_DIR/landing/, as delivered. tousu never changes them.",
    group_name=INGESTION_GROUP,
    kinds={"file"},
)

# Tables of either engine: the data directory's (orchestration/engine.py).
WAREHOUSE_KINDS = {"duckdb", "spark"}

# Written by `tousu purge` (orchestration/purge.py), outside any build.
purged_lines = dg.AssetSpec(
    AUDIT_PURGED_LINES,
    description="Lines removed by `tousu purge`: file, line and layer, never the content.",
    group_name=INGESTION_GROUP,
    kinds=WAREHOUSE_KINDS,
)

# Freshness as the dbt sources declare it (one definition, in the sources YAML).
FRESHNESS_POLICIES = [policy for policy in freshness_policies() if policy.asset_key in INGESTION_KEYS]

CHECK_SPECS = [
    dg.AssetCheckSpec(
        FRESHNESS_CHECK,
        asset=policy.asset_key,
        description=f"Newest {policy.loaded_at_field} of {policy.table} is younger than the dbt "
        f"source's freshness (warn after {policy.warn_after}, error after {policy.error_after}).",
    )
    for policy in FRESHNESS_POLICIES
]


class IngestionFailed(dg.Failure):
    pass


def _counts(files: list[FileOutcome], noun: str) -> dict[str, int]:
    return {
        f"{noun}_loaded": sum(f.n_loaded for f in files),
        f"{noun}_quarantined": sum(f.n_quarantined for f in files),
        f"{noun}_blank": sum(f.n_blank for f in files),
    }


def line_summary(report: IngestionReport) -> dict:
    """What this run did with every line of the dumps and registries, with every
    record of the CFPB exports (which the ledger counts as their lines: a record
    may span several), and every file it did not load — the summary `tousu
    build` prints (metadata of raw/complaints and the ledger)."""
    loaded = report.of("loaded")
    reasons = Counter()
    for outcome in loaded:
        reasons.update(outcome.reasons)
    return {
        **_counts([f for f in loaded if f.kind != FileKind.CFPB], "lines"),
        **_counts([f for f in loaded if f.kind == FileKind.CFPB], "cfpb_records"),
        "quarantine_reasons": dg.MetadataValue.json(dict(reasons.most_common())),
        "wholly_quarantined_files": dg.MetadataValue.json(
            [
                {"name": f.source_file, "lines": f.n_quarantined, "reasons": dict(f.reasons.most_common(3))}
                for f in loaded
                if f.n_quarantined and f.n_quarantined == f.n_lines - f.n_blank and not f.n_loaded
            ]
        ),
        "ignored_files": dg.MetadataValue.json([{"name": i.name, "why": i.why} for i in report.ignored]),
        "postponed_files": dg.MetadataValue.json(
            [{"name": f.source_file, "why": f.error} for f in report.of("postponed")]
        ),
    }


def _files_table(report: IngestionReport) -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "source_file": f.source_file,
                    "status": f.status,
                    "n_lines": f.n_lines,
                    "n_loaded": f.n_loaded,
                    "n_quarantined": f.n_quarantined,
                    "n_blank": f.n_blank,
                    "detail": f.error or f.duplicate_of or "; ".join(f.notes),
                }
            )
            for f in report.files
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("source_file", "string"),
                dg.TableColumn("status", "string"),
                dg.TableColumn("n_lines", "int"),
                dg.TableColumn("n_loaded", "int"),
                dg.TableColumn("n_quarantined", "int"),
                dg.TableColumn("n_blank", "int"),
                dg.TableColumn("detail", "string"),
            ]
        ),
    )


# What ingestion writes, each read by dbt as a source.
INGESTION_OUTPUTS = {
    RAW_COMPLAINTS: "Loaded lines of complaint dumps (raw.complaints).",
    RAW_PLATFORMS: "Loaded lines of platform registries (raw.platforms).",
    RAW_CFPB_COMPLAINTS: "Loaded records of CFPB exports (raw.cfpb_complaints).",
    AUDIT_INGESTED_FILES: "One row per landing file with its line counts.",
    AUDIT_QUARANTINE: "Every line not loaded, with file, line and reason.",
}


def _ledger_and_checks(con, paths) -> list[dg.AssetCheckResult]:
    """After ingestion: the ledger snapshot (`tousu audit`, the landing
    sensor), and the sources' freshness."""
    ledger.write(paths.ledger_snapshot, ledger.read(con))
    now = dt.datetime.now(dt.UTC)
    return check_freshness(con, FRESHNESS_POLICIES, now)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key, description=description, group_name=INGESTION_GROUP, deps=[LANDING_FILES], kinds=WAREHOUSE_KINDS
        )
        for key, description in INGESTION_OUTPUTS.items()
    ],
    check_specs=CHECK_SPECS,
    pool="warehouse",
)
def landing_ingestion(
    context: dg.AssetExecutionContext,
    data_dir: TousuDataDirResource,
    warehouse_writer: WarehouseWriterResource,
    engine: WarehouseEngineResource,
):
    """Ingest every new file in landing/: each line loaded or quarantined, each file audited."""
    paths = data_dir.paths()
    # Asked before anything is written: may the dbt step leave the nodes whose
    # sources this run does not write as they are (orchestration/build_scope.py)?
    unchanged_since_last_build = as_last_built(paths)
    forget_success(paths)  # until this build succeeds, the next one has work to do

    def progress(files_read: int, files_to_read: int, lines_read: int) -> None:
        # the form orchestration/progress.py reads from the log
        context.log.info(f"ingested {files_read} of {files_to_read} files, {lines_read:,} lines")

    if engine.spark is not None:
        from orchestration.ingestion.spark_run import ingest_landing_spark
        from orchestration.warehouse.spark import Queries

        report = ingest_landing_spark(engine.spark, paths.landing, progress=progress)
        checks = _ledger_and_checks(Queries(engine.spark), paths)
    else:
        with connect(paths.warehouse) as con:
            report = ingest_landing(con, paths.landing, progress=progress)
            checks = _ledger_and_checks(con, paths)
    for outcome in report.files:
        log = context.log.error if outcome.status == "failed" else context.log.info
        log(
            f"{outcome.source_file}: {outcome.status} — {outcome.n_lines} lines, "
            f"{outcome.n_loaded} loaded, {outcome.n_quarantined} quarantined, "
            f"{outcome.n_blank} blank{': ' + outcome.error if outcome.error else ''}"
        )
    for ignored in report.ignored:
        context.log.warning(f"ignored {ignored.name}: {ignored.why}")
    if report.failed:
        raise IngestionFailed(
            description="; ".join(f"{f.source_file}: {f.error}" for f in report.failed),
            metadata={"failed_files": [f.source_file for f in report.failed]},
        )
    loaded = report.of("loaded")
    summary = {"new_files": len(loaded), "duplicate_files": len(report.of("duplicate")), **line_summary(report)}
    written = _rows_written(report)
    yield dg.MaterializeResult(
        asset_key=RAW_COMPLAINTS,
        metadata={**summary, "complaint_lines_loaded": written[RAW_COMPLAINTS], ROWS_WRITTEN: written[RAW_COMPLAINTS]},
    )
    for key in (RAW_PLATFORMS, RAW_CFPB_COMPLAINTS):
        yield dg.MaterializeResult(asset_key=key, metadata={"lines_loaded": written[key], ROWS_WRITTEN: written[key]})
    # The ledger's materialization shows each file of this run with its counts.
    yield dg.MaterializeResult(
        asset_key=AUDIT_INGESTED_FILES,
        metadata={
            "files_recorded": len(report.files),
            **summary,
            "files": _files_table(report),
            AS_LAST_BUILT: unchanged_since_last_build,
        },
    )
    yield dg.MaterializeResult(
        asset_key=AUDIT_QUARANTINE,
        metadata={"lines_quarantined": written[AUDIT_QUARANTINE], ROWS_WRITTEN: written[AUDIT_QUARANTINE]},
    )
    yield from checks


# The raw tables each kind of landing file loads into.
_RAW_TABLE_OF_KIND = {
    FileKind.COMPLAINTS: RAW_COMPLAINTS,
    FileKind.PLATFORMS: RAW_PLATFORMS,
    FileKind.CFPB: RAW_CFPB_COMPLAINTS,
}


def _rows_written(report: IngestionReport) -> dict[dg.AssetKey, int]:
    """The rows this run added to each raw table and to the quarantine."""
    written = dict.fromkeys([*_RAW_TABLE_OF_KIND.values(), AUDIT_QUARANTINE], 0)
    for outcome in report.of("loaded"):
        written[_RAW_TABLE_OF_KIND[outcome.kind]] += outcome.n_loaded
        written[AUDIT_QUARANTINE] += outcome.n_quarantined
    return written
