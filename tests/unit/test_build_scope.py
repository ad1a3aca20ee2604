"""Which dbt nodes a build may leave as they are (orchestration/build_scope.py)."""

import json

from orchestration.build_scope import source_ids_by_table, unchanged_nodes
from orchestration.project import tousu_dbt_project


def _node(resource_type: str, name: str, *parents: str, schema: str = "core") -> dict:
    return {"resource_type": resource_type, "name": name, "schema": schema, "depends_on": {"nodes": list(parents)}}


def _child_map(nodes: dict) -> dict[str, list[str]]:
    """dbt's child_map, derived from each node's parents as dbt derives it."""
    children: dict[str, list[str]] = {}
    for unique_id, node in nodes.items():
        for parent in node["depends_on"]["nodes"]:
            children.setdefault(parent, []).append(unique_id)
    return children


# Two sources, a seed, and tests across them:
#   source a -> stg_a -> fct (also reads stg_b) ; source b -> stg_b ; seed s
MANIFEST = {
    "sources": {
        "source.p.raw.a": {"schema": "raw", "name": "a"},
        "source.p.raw.b": {"schema": "raw", "name": "b"},
    },
    "nodes": {
        "model.p.stg_a": _node("model", "stg_a", "source.p.raw.a"),
        "model.p.stg_b": _node("model", "stg_b", "source.p.raw.b"),
        "model.p.fct": _node("model", "fct", "model.p.stg_a", "model.p.stg_b"),
        "model.p.dim_b": _node("model", "dim_b", "model.p.stg_b"),
        "model.p.mart_b": _node("model", "mart_b", "model.p.dim_b", schema="marts"),
        "test.p.unique_mart_b": _node("test", "unique_mart_b", "model.p.mart_b"),
        "seed.p.s": _node("seed", "s"),
        "test.p.unique_stg_b": _node("test", "unique_stg_b", "model.p.stg_b"),
        "test.p.unique_s": _node("test", "unique_s", "seed.p.s"),
        "test.p.unique_fct": _node("test", "unique_fct", "model.p.fct"),
        # reads a changed model and two unchanged ones
        "test.p.fct_to_dim_b": _node("test", "fct_to_dim_b", "model.p.fct", "model.p.dim_b", "seed.p.s"),
        "test.p.dim_b_to_s": _node("test", "dim_b_to_s", "model.p.dim_b", "seed.p.s"),
    },
}
MANIFEST["child_map"] = _child_map(MANIFEST["nodes"])


def test_nodes_reading_only_unchanged_sources_and_seeds_are_left_out():
    left = unchanged_nodes(MANIFEST, ["source.p.raw.a"])
    # what reads a runs, with its tests; the test reading fct keeps dim_b and s built
    assert set(left) == {"stg_b", "unique_stg_b", "unique_s", "dim_b_to_s", "mart_b", "unique_mart_b"}


def test_models_of_an_always_built_schema_are_built_and_their_tests_left():
    left = unchanged_nodes(MANIFEST, ["source.p.raw.a"], always_built_schemas=["marts"])
    assert "mart_b" not in left and "unique_mart_b" in left


def test_every_source_changed_leaves_only_what_no_changed_test_reads():
    # s is built again for fct_to_dim_b, which reads fct; its own test is left
    assert unchanged_nodes(MANIFEST, ["source.p.raw.a", "source.p.raw.b"]) == ["unique_s"]


def test_nothing_changed_leaves_every_node():
    built = [node["name"] for node in MANIFEST["nodes"].values()]
    assert sorted(unchanged_nodes(MANIFEST, [])) == sorted(built)


def test_on_the_project_a_day_of_complaint_dumps_leaves_the_seeds_registry_and_cfpb_models():
    manifest = json.loads(tousu_dbt_project.manifest_path.read_text())
    sources = source_ids_by_table(manifest)
    # what a run of complaint dumps writes: their lines, the quarantine, the ledger
    written = [sources["raw", "complaints"], sources["audit", "quarantine"], sources["audit", "ingested_files"]]
    left = set(unchanged_nodes(manifest, written, always_built_schemas=["marts"]))
    assert {"compound_surnames", "province_aliases", "stg_tousu__platform_registry", "stg_cfpb__complaints"} <= left
    assert {"unique_domains_domain", "unique_int_cfpb_complaints__current_state_complaint_key"} <= left
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {"int_complaints__current_state", "fct_complaints", "platform_ratings", "dim_platforms"} <= models - left
    assert {"cfpb_company_ratings", "cfpb_distribution"} <= models - left  # marts, which serving reads
    # every test reading a model the day changes runs, and every node it reads is built
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["name"] not in left:
            parents = {manifest["nodes"][p]["name"] for p in node["depends_on"]["nodes"] if p in manifest["nodes"]}
            assert not parents & left, node["name"]
