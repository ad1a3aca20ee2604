"""dbt vars change what they say, and a malformed one stops the build clearly."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query
from foreign_landing import write_foreign_landing

from orchestration.ingestion.run import ingest_landing
from orchestration.project import DBT_PROFILES_DIR, REPO_ROOT
from orchestration.warehouse.connection import connect

DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("vars")
    write_foreign_landing(root / "landing", n_complaints=120)
    with connect(root / "warehouse.duckdb") as con:
        ingest_landing(con, root / "landing")
    return root


def dbt(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        # its own target folder: the repository's target/ belongs to the builds
        [
            DBT,
            *args,
            "--project-dir",
            str(REPO_ROOT),
            "--profiles-dir",
            str(DBT_PROFILES_DIR),
            *([] if "--target-path" in args else ["--target-path", str(root / "target")]),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "TOUSU_DATA_DIR": str(root)},
    )


def test_second_half_is_rated_only_when_switched_on(warehouse_dir):
    assert dbt(warehouse_dir, "build", "--exclude", "resource_type:unit_test").returncode == 0
    sql = "SELECT count(*) FROM marts.platform_ratings WHERE period_type = 'half' AND period_key LIKE '%-H2'"
    assert query(warehouse_dir / "warehouse.duckdb", sql) == [(0,)]
    result = dbt(warehouse_dir, "build", "--exclude", "resource_type:unit_test", "--vars", "{rate_second_half: true}")
    assert result.returncode == 0, result.stdout[-2000:]
    assert query(warehouse_dir / "warehouse.duckdb", sql)[0][0] > 0
    # an H2 row counts exactly the complaints of its six months
    mismatches = query(
        warehouse_dir / "warehouse.duckdb",
        """
        SELECT h.platform FROM marts.platform_ratings h
        JOIN marts.platform_ratings m ON m.platform = h.platform AND m.period_type = 'month'
             AND m.period_start BETWEEN h.period_start AND h.period_end
        WHERE h.period_key LIKE '%-H2' GROUP BY h.platform, h.n_complaints
        HAVING h.n_complaints <> sum(m.n_complaints)""",
    )
    assert mismatches == []


def test_a_malformed_var_names_itself(warehouse_dir):
    result = dbt(warehouse_dir, "run", "--select", "dim_periods", "--vars", "{rate_second_half: sometimes}")
    assert result.returncode != 0
    assert "rate_second_half' must be true or false, got: sometimes" in result.stdout


def test_a_malformed_publication_var_stops_before_reaching_sql(warehouse_dir):
    result = dbt(
        warehouse_dir, "run", "--select", "published_ratings", "--vars", '{publish_period_key: "2024\' or true --"}'
    )
    assert result.returncode != 0
    assert "dbt var 'publish_period_key' is malformed" in result.stdout


def test_docs_site_is_one_static_file_with_models_and_exposures(warehouse_dir, tmp_path):
    target = tmp_path / "docs-target"
    result = dbt(warehouse_dir, "docs", "generate", "--static", "--target-path", str(target))
    assert result.returncode == 0, result.stdout[-2000:]
    site = (target / "static_index.html").read_text(encoding="utf-8")
    for name in (
        "bi_serving",
        "annual_report",
        "platform_ratings",
        "typical_cases",
        "fct_complaints",
        "stg_tousu__complaints",
        "composite_index = reply_rate",
        "published_ratings",
        "int_complaints__current_state",
        "Incremental facts",
    ):
        assert name in site, name
