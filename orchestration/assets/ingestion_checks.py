"""The check ingestion runs on what it just wrote: source freshness, with the
thresholds the dbt sources declare. (The ledger's reconciliation is one dbt
test, `assert_every_landed_line_accounted_for`, run by every build.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg
from dagster_dbt.dbt_manifest import read_manifest_path

from orchestration.project import tousu_dbt_project

FRESHNESS_CHECK = "source_freshness"


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


def judge_freshness(
    policy: FreshnessPolicy, newest: dt.datetime | None, now: dt.datetime, source_in_use: bool = True
) -> dg.AssetCheckResult:
    """Fresh when the newest row is younger than warn_after; a WARN failure past
    it, an ERROR failure past error_after. An empty table is past both, unless
    the source is not in use (another complaint source has rows and this one
    never had any: a warehouse of CFPB exports only): then it passes."""
    if newest is None and not source_in_use:
        return dg.AssetCheckResult(
            asset_key=policy.asset_key,
            check_name=FRESHNESS_CHECK,
            passed=True,
            metadata={"newest_row": dg.MetadataValue.text("none: this source is not in use")},
        )
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


def check_freshness(con, policies: list[FreshnessPolicy], now: dt.datetime) -> list[dg.AssetCheckResult]:
    newest = {}
    for policy in policies:
        ((newest[policy.table],),) = con.execute(f"SELECT max({policy.loaded_at_field}) FROM {policy.table}").fetchall()
    any_rows = any(value is not None for value in newest.values())
    return [
        judge_freshness(
            policy, newest[policy.table], now, source_in_use=newest[policy.table] is not None or not any_rows
        )
        for policy in policies
    ]
