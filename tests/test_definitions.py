"""The Dagster definitions load and wire landing → raw → dbt → serving."""

import dagster as dg

from orchestration.definitions import defs


def test_definitions_load_with_the_whole_asset_graph():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/complaints", "raw/platforms", "audit/ingested_files", "audit/quarantine",
            "marts/platform_ratings", "core/fct_complaints", "serving/marts"} <= keys
    # dbt sources are the assets ingestion materializes, not dangling copies
    staging = graph.get(dg.AssetKey(["staging", "stg_tousu__complaints"]))
    assert dg.AssetKey(["raw", "complaints"]) in staging.parent_keys
    serving = graph.get(dg.AssetKey(["serving", "marts"]))
    assert dg.AssetKey(["marts", "platform_ratings"]) in serving.parent_keys


def test_dbt_tests_are_asset_checks():
    checks = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    assert ("marts/platform_ratings", "assert_year_complaints_equal_sum_of_months") in checks
    assert any(asset == "marts/platform_ratings" and name.startswith("expression_is_true") for asset, name in checks)
    assert len(checks) > 80


def test_build_job_and_daily_schedule():
    job = defs.resolve_job_def("build_warehouse")
    assert job is not None
    schedule = defs.resolve_schedule_def("daily_build")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"
