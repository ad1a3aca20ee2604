"""Incremental builds over files arriving in many batches give the marts of a full
refresh; publication freezes revisions that later builds never change."""

import json
import shutil

import duckdb
import pytest
from conftest import query, run_tousu

from orchestration.cli import EXIT_NOT_BUILT, EXIT_USAGE
from orchestration.generate.synthetic import generate
from orchestration.paths import DataDir

N_BATCHES = 3
PUBLISHED_PERIOD = "2024-Q1"


def warehouse_tables(warehouse) -> list[str]:
    """Every table dbt builds from complaints: intermediate, facts, dims, marts
    (published_ratings aside: it is append only by design)."""
    rows = query(
        warehouse,
        """
        SELECT schema_name || '.' || table_name FROM duckdb_tables()
        WHERE schema_name IN ('intermediate', 'core', 'marts') AND table_name <> 'published_ratings'
        ORDER BY 1""",
    )
    return [name for (name,) in rows]


def snapshot(warehouse) -> dict[str, list[tuple]]:
    return {table: query(warehouse, f"SELECT * FROM {table} ORDER BY ALL") for table in warehouse_tables(warehouse)}


def published(warehouse, period_key: str) -> dict[int, list[tuple]]:
    rows = query(
        warehouse,
        """
        SELECT revision, platform, n_complaints, n_replied, n_scored, composite_index, rating
        FROM marts.published_ratings WHERE period_key = ? ORDER BY ALL""",
        [period_key],
    )
    revisions: dict[int, list[tuple]] = {}
    for revision, *row in rows:
        revisions.setdefault(revision, []).append(tuple(row))
    return revisions


def live(warehouse, period_key: str) -> list[tuple]:
    return query(
        warehouse,
        """
        SELECT platform, n_complaints, n_replied, n_scored, composite_index, rating
        FROM marts.platform_ratings WHERE period_key = ? ORDER BY ALL""",
        [period_key],
    )


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """The synthetic sample dealt round-robin into batches: every batch holds
    files from the whole year, so later batches bring both newer states (late
    replies and evaluations of early complaints) and older ones that must lose."""
    source = tmp_path_factory.mktemp("sample")
    generate(source, n_complaints=1000)
    names = sorted(path.name for path in source.iterdir())
    return source, [names[i::N_BATCHES] for i in range(N_BATCHES)]


@pytest.fixture(scope="module")
def incremental(batches, tmp_path_factory):
    source, file_batches = batches
    data_dir = DataDir(tmp_path_factory.mktemp("incremental")).create()
    history = []
    for index, batch in enumerate(file_batches):
        for name in batch:
            shutil.copy2(source / name, data_dir.landing / name)
        code = run_tousu(data_dir, "build")
        history.append(
            {"exit": code, "live": live(data_dir.warehouse, PUBLISHED_PERIOD), "snapshot": snapshot(data_dir.warehouse)}
        )
        if index == 0:
            history[-1]["publish_exit"] = run_tousu(data_dir, "publish", "--period", PUBLISHED_PERIOD)
    return data_dir, history


def test_every_incremental_build_succeeds(incremental):
    _, history = incremental
    assert [step["exit"] for step in history] == [0] * N_BATCHES
    assert history[0]["publish_exit"] == 0


def test_later_builds_reuse_dbt_parse_of_this_data_directory(incremental):
    """The first build of a data directory parses the dbt project (its profile
    path and vars differ from those `make manifest` used); the builds after it
    start from that state instead of parsing everything again."""
    data_dir, _ = incremental
    invocations = sorted((data_dir.logs / "dbt").glob("tousu_dbt_models-*"), key=lambda p: p.stat().st_mtime)
    logs = [(path / "dbt.log").read_text(encoding="utf-8") for path in invocations]
    assert len(logs) >= N_BATCHES
    assert "Unable to do partial parsing because" in logs[0]
    for log in logs[1:]:
        assert "Unable to do partial parsing" not in log
        assert "Partial parsing enabled" in log


def test_late_states_change_periods_built_before(incremental):
    _, history = incremental
    # Batch 2 onwards brings replies, evaluations and new complaints for Q1:
    # its live ratings move after it was first built (and published).
    assert history[0]["live"] != history[-1]["live"]


def test_a_full_refresh_gives_the_same_tables(incremental):
    data_dir, history = incremental
    before = history[-1]["snapshot"]
    assert run_tousu(data_dir, "build", "--full-refresh") == 0
    after = snapshot(data_dir.warehouse)
    assert sorted(after) == sorted(before)
    assert "marts.platform_ratings" in after and "core.fct_complaints" in after
    for table in before:
        assert after[table] == before[table], table


def test_an_incremental_build_reads_only_new_lines_and_a_full_refresh_reads_all(incremental, batches):
    data_dir, _ = incremental
    source, _ = batches
    # Alter an old, already processed line behind the warehouse's back: an
    # incremental build must not see it (it reads only lines ingested since),
    # a full refresh must.
    ((complaint_id, source_file, line_no, title),) = query(
        data_dir.warehouse,
        """
        SELECT complaint_id, source_file, source_line_no, title FROM core.fct_complaints
        ORDER BY complaint_id LIMIT 1""",
    )
    with duckdb.connect(str(data_dir.warehouse)) as con:
        con.execute(
            "UPDATE raw.complaints SET title = 'ALTERED' WHERE source_file = ? AND line_no = ?", [source_file, line_no]
        )
    template = json.loads(
        next(p for p in sorted(source.iterdir()) if p.suffix == ".jsonl")
        .read_text(encoding="utf-8-sig")
        .splitlines()[0]
    )
    template.update(complaint_id="INCREMENTAL-NEW-1", updated_at="2024-12-30T10:00:00+08:00")
    (data_dir.landing / "complaints-2024-12-31-extra.jsonl").write_text(
        json.dumps(template, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    assert run_tousu(data_dir, "build") == 0
    titles = dict(
        query(
            data_dir.warehouse,
            "SELECT complaint_id, title FROM core.fct_complaints WHERE complaint_id IN (?, 'INCREMENTAL-NEW-1')",
            [complaint_id],
        )
    )
    assert titles == {complaint_id: title, "INCREMENTAL-NEW-1": template["title"]}

    assert run_tousu(data_dir, "build", "--full-refresh") == 0
    assert query(
        data_dir.warehouse, "SELECT title FROM core.fct_complaints WHERE complaint_id = ?", [complaint_id]
    ) == [("ALTERED",)]


def test_publication_is_frozen_and_republishing_adds_a_revision(incremental):
    data_dir, history = incremental
    revisions = published(data_dir.warehouse, PUBLISHED_PERIOD)
    # Revision 1 holds the ratings as they were after the first batch, although
    # later batches (and full refreshes) changed the live marts since.
    assert list(revisions) == [1]
    assert revisions[1] == history[0]["live"] != live(data_dir.warehouse, PUBLISHED_PERIOD)

    assert run_tousu(data_dir, "publish", "--period", PUBLISHED_PERIOD) == 0
    revisions = published(data_dir.warehouse, PUBLISHED_PERIOD)
    assert list(revisions) == [1, 2]
    assert revisions[1] == history[0]["live"]
    assert revisions[2] == live(data_dir.warehouse, PUBLISHED_PERIOD)
    stamps = query(
        data_dir.warehouse,
        """
        SELECT revision, count(DISTINCT published_at), count(DISTINCT code_version), min(code_version)
        FROM marts.published_ratings WHERE period_key = ? GROUP BY revision ORDER BY revision""",
        [PUBLISHED_PERIOD],
    )
    assert [row[:3] for row in stamps] == [(1, 1, 1), (2, 1, 1)]
    assert stamps[0][3].startswith("0.1.0+g")
    # BI sees the publication: it is in the serving release written after it.
    serving = data_dir.serving / "warehouse.duckdb"
    assert query(
        serving, "SELECT max(revision) FROM marts.published_ratings WHERE period_key = ?", [PUBLISHED_PERIOD]
    ) == [(2,)]


def test_publish_refuses_periods_without_ratings_or_not_ended(incremental, tmp_path):
    data_dir, _ = incremental
    assert run_tousu(data_dir, "publish", "--period", "2031-Q1") == EXIT_USAGE
    assert run_tousu(DataDir(tmp_path / "empty").create(), "publish", "--period", "2024") == EXIT_NOT_BUILT


def test_publish_refuses_a_period_that_has_not_ended(incremental):
    import datetime as dt

    from orchestration.publish import CannotPublish, publish_period

    data_dir, _ = incremental
    with pytest.raises(CannotPublish, match="only ended periods"):
        publish_period(data_dir, "2024", today=dt.date(2024, 12, 31))
