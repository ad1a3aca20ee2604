"""Checks that ingestion runs on what it just wrote: per-file reconciliation,
and source freshness with the thresholds the dbt sources declare."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg
from dagster_dbt.dbt_manifest import read_manifest_path

from orchestration.project import tousu_dbt_project

RECONCILIATION_CHECK = "every_line_accounted_for"
FRESHNESS_CHECK = "source_freshness"

# One row per file loaded in this run whose counts disagree: the ledger's counts
# beside what the raw and quarantine tables hold for it (purged lines counted).
RECONCILE_SQL = """
WITH ledger AS (
    SELECT source_file, kind, n_lines, n_loaded, n_quarantined, n_blank
    FROM audit.ingested_files
    WHERE status = 'loaded' AND source_file IN (SELECT unnest($files::VARCHAR[]))
),
raw_lines AS (
    SELECT source_file, count(*) AS n FROM raw.complaints
    WHERE source_file IN (SELECT source_file FROM ledger) GROUP BY ALL
    UNION ALL
    SELECT source_file, count(*) FROM raw.platforms
    WHERE source_file IN (SELECT source_file FROM ledger) GROUP BY ALL
    UNION ALL
    SELECT source_file, count(*) FROM audit.purged_lines
    WHERE layer = 'raw' AND source_file IN (SELECT source_file FROM ledger) GROUP BY ALL
),
quarantined AS (
    SELECT source_file, count(*) AS n FROM audit.quarantine
    WHERE source_file IN (SELECT source_file FROM ledger) GROUP BY ALL
    UNION ALL
    SELECT source_file, count(*) FROM audit.purged_lines
    WHERE layer = 'quarantine' AND source_file IN (SELECT source_file FROM ledger) GROUP BY ALL
)
SELECT
    ledger.source_file, ledger.n_lines, ledger.n_loaded, ledger.n_quarantined, ledger.n_blank,
    coalesce(raw_counts.n, 0)        AS n_in_raw,
    coalesce(quarantine_counts.n, 0) AS n_in_quarantine
FROM ledger
LEFT JOIN (SELECT source_file, sum(n) AS n FROM raw_lines GROUP BY ALL) AS raw_counts USING (source_file)
LEFT JOIN (SELECT source_file, sum(n) AS n FROM quarantined GROUP BY ALL) AS quarantine_counts USING (source_file)
WHERE ledger.n_lines <> ledger.n_loaded + ledger.n_quarantined + ledger.n_blank
   OR coalesce(raw_counts.n, 0) <> ledger.n_loaded
   OR coalesce(quarantine_counts.n, 0) <> ledger.n_quarantined
ORDER BY ledger.source_file
"""


def reconcile(con, files: list[str], asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    """Pass when every file loaded in this run has lines = loaded + quarantined +
    blank, and raw/quarantine hold exactly those counts."""
    columns = ["source_file", "n_lines", "n_loaded", "n_quarantined", "n_blank", "n_in_raw", "n_in_quarantine"]
    mismatches = [
        dict(zip(columns, row, strict=True)) for row in con.execute(RECONCILE_SQL, {"files": files}).fetchall()
    ]
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=RECONCILIATION_CHECK,
        passed=not mismatches,
        metadata={
            "files_checked": len(files),
            "mismatched_files": dg.MetadataValue.json(mismatches),
        },
    )


@dataclass(frozen=True)
class FreshnessPolicy:
    """A dbt source's declared freshness: how old its newest row may get."""

    asset_key: dg.AssetKey
    table: str
    loaded_at_field: str
    warn_after: dt.timedelta | None
    error_after: dt.timedelta | None


_PERIODS = {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}


def _threshold(rule: dict | None) -> dt.timedelta | None:
    if not rule or rule.get("count") is None:
        return None
    return rule["count"] * _PERIODS[rule["period"]]


def declared_freshness(manifest: dict) -> list[FreshnessPolicy]:
    """The freshness of every dbt source that declares one, keyed like the assets
    ingestion materializes (`raw/complaints`)."""
    policies = []
    for source in manifest["sources"].values():
        freshness = source.get("freshness") or {}
        warn, error = _threshold(freshness.get("warn_after")), _threshold(freshness.get("error_after"))
        if warn is None and error is None:
            continue
        policies.append(
            FreshnessPolicy(
                asset_key=dg.AssetKey([source["schema"], source["name"]]),
                table=f"{source['schema']}.{source['name']}",
                loaded_at_field=source["loaded_at_field"],
                warn_after=warn,
                error_after=error,
            )
        )
    return sorted(policies, key=lambda policy: policy.table)


def freshness_policies() -> list[FreshnessPolicy]:
    # The manifest as dagster-dbt already read (and cached) it for the dbt assets.
    return declared_freshness(read_manifest_path(tousu_dbt_project.manifest_path))


def judge_freshness(policy: FreshnessPolicy, newest: dt.datetime | None, now: dt.datetime) -> dg.AssetCheckResult:
    """Fresh when the newest row is younger than warn_after; a WARN failure past
    it, an ERROR failure past error_after (an empty table is past both)."""
    age = None if newest is None else now - newest
    metadata = {"newest_row": dg.MetadataValue.text(newest.isoformat() if newest else "none (empty table)")}
    for label, value in (("age", age), ("warn_after", policy.warn_after), ("error_after", policy.error_after)):
        if value is not None:
            metadata[f"{label}_hours"] = dg.MetadataValue.float(round(value.total_seconds() / 3600, 2))

    def past(limit: dt.timedelta | None) -> bool:
        return limit is not None and (age is None or age > limit)

    if past(policy.error_after):
        return dg.AssetCheckResult(
            asset_key=policy.asset_key,
            check_name=FRESHNESS_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )
    return dg.AssetCheckResult(
        asset_key=policy.asset_key,
        check_name=FRESHNESS_CHECK,
        passed=not past(policy.warn_after),
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def check_freshness(con, policy: FreshnessPolicy, now: dt.datetime) -> dg.AssetCheckResult:
    ((newest,),) = con.execute(f"SELECT max({policy.loaded_at_field}) FROM {policy.table}").fetchall()
    return judge_freshness(policy, newest, now)
