"""The Dagster definitions load and wire landing → raw → dbt → serving."""

import dagster as dg

from orchestration.definitions import defs


def test_definitions_load_with_the_whole_asset_graph():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw/complaints",
        "raw/platforms",
        "raw/cfpb_complaints",
        "audit/ingested_files",
        "audit/quarantine",
        "marts/platform_ratings",
        "core/fct_complaints",
        "serving/marts",
    } <= keys
    # dbt sources are the assets ingestion materializes, not dangling copies
    staging = graph.get(dg.AssetKey(["staging", "stg_tousu__complaints"]))
    assert dg.AssetKey(["raw", "complaints"]) in staging.parent_keys
    # the graph starts at the landing zone
    assert graph.get(dg.AssetKey(["raw", "complaints"])).parent_keys == {dg.AssetKey(["landing", "files"])}
    serving = graph.get(dg.AssetKey(["serving", "marts"]))
    assert dg.AssetKey(["marts", "platform_ratings"]) in serving.parent_keys


# Every asset key, by group. Other tools and the Dagster UI name these: a rename
# or a move between groups must be deliberate, so it must change this list.
ASSETS_BY_GROUP = {
    "ingestion": {
        "landing/files",
        "raw/complaints",
        "raw/platforms",
        "raw/cfpb_complaints",
        "audit/ingested_files",
        "audit/quarantine",
        "audit/purged_lines",
    },
    "reference": {
        "reference/complaint_statuses",
        "reference/rating_grades",
        "reference/domains",
        "reference/reply_authors",
        "reference/province_aliases",
        "reference/compound_surnames",
        "reference/cfpb_company_responses",
    },
    "staging": {
        "staging/stg_tousu__complaint_lines",
        "staging/stg_tousu__complaints",
        "staging/stg_tousu__platform_registry",
        "staging/stg_cfpb__complaints",
        "staging/stg_audit__ingested_files",
    },
    "intermediate": {
        "intermediate/int_complaints__current_state",
        "intermediate/int_complaint_replies",
        "intermediate/int_platforms__current_registry",
        "intermediate/int_cfpb_complaints__current_state",
    },
    "snapshots": {"snapshots/platform_registry_snapshot"},
    "core": {
        "core/fct_complaints",
        "core/fct_replies",
        "core/fct_evaluations",
        "core/fct_platform_months",
        "core/fct_complaint_dimension_months",
        "core/dim_platforms",
        "core/dim_periods",
        "core/dim_period_months",
        "core/fct_cfpb_complaints",
        "core/fct_all_complaints",
    },
    "ratings": {
        "marts/platform_ratings",
        "marts/rating_board",
        "marts/complaint_board",
        "marts/platform_annual_summary",
        "marts/typical_cases",
        "marts/cfpb_company_ratings",
    },
    "distributions": {"marts/platform_distribution", "marts/domain_distribution", "marts/cfpb_distribution"},
    "publication": {"marts/published_ratings"},
    "serving": {"serving/marts"},
}

# Where each group sits in the flow: an asset reads only assets of an earlier
# layer, or of its own group.
LAYER = {
    "ingestion": 0,
    "reference": 0,
    "staging": 1,
    "intermediate": 2,
    "snapshots": 3,
    "core": 3,
    "ratings": 4,
    "distributions": 4,
    "publication": 5,
    "serving": 6,
}


def test_every_asset_has_its_key_and_group():
    graph = defs.resolve_asset_graph()
    found: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        found.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert found == ASSETS_BY_GROUP


def test_the_graph_runs_one_way_through_the_layers():
    graph = defs.resolve_asset_graph()
    backwards = []
    for key in graph.get_all_asset_keys():
        group = graph.get(key).group_name
        for parent in graph.get(key).parent_keys:
            parent_group = graph.get(parent).group_name
            if LAYER[parent_group] > LAYER[group] or (LAYER[parent_group] == LAYER[group] and parent_group != group):
                backwards.append(f"{parent.to_user_string()} ({parent_group}) → {key.to_user_string()} ({group})")
    assert not backwards


def test_step_names_the_cli_and_progress_know_are_the_jobs_steps():
    from orchestration.cli import FAILED_STEP_EXIT
    from orchestration.progress import STEPS

    steps = set()
    for name in ("build_warehouse", "refresh_warehouse", "publish_ratings"):
        steps |= {node.name for node in defs.resolve_job_def(name).graph.node_defs}
    assert set(FAILED_STEP_EXIT) == set(STEPS) == steps


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


def test_ingestion_checks_sit_beside_the_dbt_tests():
    checks = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    # the ledger's one reconciliation: a dbt test, on the audit staging model
    assert ("staging/stg_audit__ingested_files", "assert_every_landed_line_accounted_for") in checks
    # freshness as the dbt source declares it, on the asset ingestion writes
    assert ("raw/complaints", "source_freshness") in checks
    assert ("raw/platforms", "source_freshness") not in checks  # declared freshness: null


def test_publication_is_monthly_partitioned_and_outside_the_build():
    graph = defs.resolve_asset_graph()
    publication = graph.get(dg.AssetKey(["marts", "published_ratings"]))
    assert isinstance(publication.partitions_def, dg.MonthlyPartitionsDefinition)
    assert publication.partitions_def.timezone == "Asia/Shanghai"
    assert dg.AssetKey(["marts", "platform_ratings"]) in publication.parent_keys
    build_keys = defs.resolve_job_def("build_warehouse").asset_layer.executable_asset_keys
    publish_keys = defs.resolve_job_def("publish_ratings").asset_layer.executable_asset_keys
    assert publication.key not in build_keys
    assert publish_keys == {publication.key, dg.AssetKey(["serving", "marts"])}


def test_every_asset_that_writes_the_warehouse_holds_the_writer_lock_and_pool():
    graph = defs.resolve_asset_graph()
    for assets_def in graph.assets_defs:
        if not assets_def.is_executable:
            continue  # landing/files: written by the platforms, not by tousu
        resource_keys = assets_def.required_resource_keys
        assert "warehouse_writer" in resource_keys, assets_def.node_def.name
        for key in assets_def.keys:
            assert graph.get(key).pools == {"warehouse"}, key


def test_the_instance_config_runs_warehouse_writers_one_at_a_time(tmp_path):
    import shutil

    from orchestration.project import REPO_ROOT

    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity.value == "run"
        # runs wait in a queue for the pool instead of starting and failing
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"


def test_every_check_has_a_readable_name():
    """Issue 14.16: dbt names a test after its values, and non-ASCII values
    become runs of underscores; such tests carry a `name:` of their own."""
    names = [key.name for key in defs.resolve_asset_graph().asset_check_keys]
    assert names and not [name for name in names if "___" in name]


def test_each_job_selects_its_assets_by_key_and_group():
    graph = defs.resolve_asset_graph()
    ingestion = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "ingestion"}
    publication, serving = dg.AssetKey(["marts", "published_ratings"]), dg.AssetKey(["serving", "marts"])
    build = defs.resolve_job_def("build_warehouse").asset_layer.executable_asset_keys
    refresh = defs.resolve_job_def("refresh_warehouse").asset_layer.executable_asset_keys
    # a refresh is the build without ingestion: every dbt asset but publication, then serving
    assert refresh == build - ingestion
    assert publication not in build and serving in refresh
    assert dg.AssetKey(["raw", "complaints"]) in build and dg.AssetKey(["core", "fct_complaints"]) in refresh
