"""Which dbt nodes a build can leave as they are.

After a successful build, with the same code and nothing written to the
warehouse since (orchestration/build_state.py), a node none of whose inputs
changed holds what building it again would give, and its tests passed on it.
The inputs that change between such builds are the dbt sources ingestion wrote
to. So a build whose new files are complaint dumps only leaves the seeds, the
registry's staging and the CFPB models untouched, with their tests (about 40 of
the 156 nodes; on Spark each costs a query of a third of a second or more).

dbt drops a test when it drops one of the nodes the test reads (its default,
"eager" indirect selection), so a test that reads a changed node and an
unchanged one would be lost; the unchanged nodes such a test reads are built
again instead, and the test runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# What `dbt build` runs; unit tests are left to CI (orchestration/assets/dbt.py).
BUILT_TYPES = ("model", "seed", "snapshot", "test")

# Metadata of ingestion's materializations that the dbt step reads: the rows a
# run wrote to a table, and (on the ledger's) whether the warehouse was as the
# last successful build left it, with the same code, when the run began.
ROWS_WRITTEN = "rows_written"
AS_LAST_BUILT = "unchanged_since_last_build"


def downstream(child_map: Mapping[str, list[str]], starts: Iterable[str]) -> set[str]:
    """Every node that reads one of `starts`, directly or through others."""
    reached: set[str] = set()
    stack = list(starts)
    while stack:
        for child in child_map.get(stack.pop(), []):
            if child not in reached:
                reached.add(child)
                stack.append(child)
    return reached


def unchanged_nodes(
    manifest: Mapping[str, Any], changed_sources: Iterable[str], always_built_schemas: Iterable[str] = ()
) -> list[str]:
    """The names of the nodes a build may exclude when only `changed_sources`
    (dbt unique ids of sources) received rows since the last successful build.
    Models in `always_built_schemas` are never excluded (their tests may be):
    the serving step reads every mart, and Dagster skips a step when an asset
    it reads was not materialized in the run."""
    nodes = manifest["nodes"]
    built = {unique_id for unique_id, node in nodes.items() if node["resource_type"] in BUILT_TYPES}
    changed = downstream(manifest["child_map"], changed_sources) & built
    always = set(always_built_schemas)
    unchanged = {
        unique_id
        for unique_id in built - changed
        if not (nodes[unique_id]["resource_type"] == "model" and nodes[unique_id]["schema"] in always)
    }
    for unique_id in changed:
        if nodes[unique_id]["resource_type"] == "test":
            unchanged -= set(nodes[unique_id]["depends_on"]["nodes"])
    return sorted(nodes[unique_id]["name"] for unique_id in unchanged)


def source_ids_by_table(manifest: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Each dbt source's unique id, by the (schema, table) it reads."""
    return {(source["schema"], source["name"]): unique_id for unique_id, source in manifest["sources"].items()}
