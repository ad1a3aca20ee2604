"""A landing zone written from SPEC alone, arriving over three builds: every line
accounted for as SPEC says, and platform_ratings agreeing with the rules to 1e-9.
A BI reader polls serving/ all the while: it never errors, never blocks a build,
and never sees tables of two different builds at once."""

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import derived_tables, query, rows_but_ingestion_times, run_tousu
from foreign_landing import write_foreign_landing
from spec_oracle import ratings, read_landing

from orchestration.paths import DataDir
from orchestration.warehouse.serving import current_release

# Published after the first batch; later batches change its live ratings.
PUBLISHED_PERIOD = "2024-Q1"

MART_COLUMNS = (
    "platform, domain, period_key, period_type, period_label, period_start, period_end, "
    "n_complaints, n_replied, reply_rate, timeliness, n_scored, satisfaction, "
    "composite_index, eligible, rating, rating_code"
)


# Reads the way README tells BI tools to: one DuckDB connection, or the Parquet
# files of one resolved release folder.
READER = textwrap.dedent("""
    import json, os, pathlib, sys, time, duckdb
    serving, stop, report = (pathlib.Path(arg) for arg in sys.argv[1:4])
    stats = {"reads": 0, "errors": [], "mixed": [], "releases": []}
    stopped_at = None
    while True:
        # Told to stop, it still reads until it has seen the last release (the
        # stop file names it), or for 30 s.
        if stop.exists():
            stopped_at = stopped_at or time.time()
            if stop.read_text() in stats["releases"] or time.time() - stopped_at > 30:
                break
        if not (serving / "warehouse.duckdb").exists():
            time.sleep(0.05)
            continue
        try:
            with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as con:
                (release,), = con.execute("SELECT release_id FROM meta.release").fetchall()
                con.execute("SELECT count(*), sum(n_complaints) FROM marts.platform_ratings").fetchall()
            folder = pathlib.Path(os.path.realpath(serving / "parquet"))
            with duckdb.connect() as con:
                tags = {decoded for (decoded,) in con.execute(
                    "SELECT DISTINCT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'tousu_release'",
                    [str(folder / "*.parquet")]).fetchall()}
                con.execute("SELECT count(*) FROM read_parquet(?)", [str(folder / "platform_ratings.parquet")]).fetchall()
            if tags != {folder.parent.name}:
                stats["mixed"].append(sorted(tags))
            stats["reads"] += 1
            if release not in stats["releases"]:
                stats["releases"].append(release)
        except Exception as error:  # every failure is a finding, not a crash
            stats["errors"].append(repr(error))
        # A dashboard's pace, still several reads per second: read back to
        # back, the reader kept more than a core busy (about 30 reads a
        # second) and slowed the builds it watches, and every other test.
        time.sleep(0.1)
    report.write_text(json.dumps(stats))
""")


def live(warehouse, period_key: str) -> list[tuple]:
    return query(
        warehouse,
        """
        SELECT platform, n_complaints, n_replied, n_scored, composite_index, rating
        FROM marts.platform_ratings WHERE period_key = ? ORDER BY ALL""",
        [period_key],
    )


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


def complaint_tables(warehouse) -> dict[str, list[str]]:
    """The tables dbt builds, published_ratings aside: it is append only by design."""
    return {
        table: columns for table, columns in derived_tables(warehouse).items() if table != "marts.published_ratings"
    }


@dataclass
class Foreign:
    source: Path  # the landing files
    incremental: DataDir  # built batch by batch
    at_once: DataDir  # the same files in one build: the session's shared warehouse, read only
    builds: list[dict]  # per batch: exit code, live ratings of PUBLISHED_PERIOD, dbt invocation
    publish_exit: int  # publishing PUBLISHED_PERIOD after the first batch
    reader: dict  # what the reader of serving/ saw
    n_releases: int  # serving releases written meanwhile (a build's and a publication's)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory, foreign_warehouse) -> Foreign:
    """The landing zone arriving in three batches, a build after each and a
    publication after the first, with a reader polling serving/ throughout."""
    work = tmp_path_factory.mktemp("foreign")
    source = work / "files"
    batches = write_foreign_landing(source)
    incremental = DataDir(work / "incremental").create()
    stop, report = work / "stop", work / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(incremental.serving), str(stop), str(report)])
    builds, publish_exit = [], None
    try:
        for batch in batches:
            for name in batch:
                shutil.copy2(source / name, incremental.landing / name)
            code = run_tousu(incremental, "build")
            builds.append({"exit": code, "live": live(incremental.warehouse, PUBLISHED_PERIOD)})
            if publish_exit is None:
                publish_exit = run_tousu(incremental, "publish", "--period", PUBLISHED_PERIOD)
    finally:
        stop.write_text(current_release(incremental.serving) or "")
        reader.wait(timeout=90)
    return Foreign(
        source,
        incremental,
        foreign_warehouse,
        builds,
        publish_exit,
        json.loads(report.read_text()),
        n_releases=len(batches) + 1,
    )


def test_every_build_and_the_publication_succeed(foreign):
    assert [build["exit"] for build in foreign.builds] == [0, 0, 0]
    assert foreign.publish_exit == 0


def test_a_reader_polling_serving_during_builds(foreign):
    stats = foreign.reader
    assert stats["errors"] == []
    assert stats["mixed"] == []
    assert stats["reads"] > 20
    assert len(stats["releases"]) == foreign.n_releases  # it read every release, across each swap


def build_invocations(foreign: Foreign) -> list[Path]:
    """The artifacts folder of each build's dbt invocation, oldest first."""
    runs = foreign.incremental.logs / "dbt"
    return sorted(runs.glob("tousu_dbt_models-*"), key=lambda path: path.stat().st_mtime)


def test_no_build_parses_the_whole_dbt_project(foreign):
    """The first build of a data directory starts from the parse state `make
    manifest` left (same profile, no vars: orchestration/manifest.py), the
    builds after it from the one before, and none parses everything again."""
    logs = [(path / "dbt.log").read_text(encoding="utf-8") for path in build_invocations(foreign)]
    assert len(logs) == len(foreign.builds)
    for log in logs:
        # dbt says why at info level, the level of the invocation's log
        assert "Running with dbt" in log
        assert "Unable to do partial parsing" not in log


def test_a_build_of_complaint_dumps_alone_leaves_the_other_sources_nodes_as_they_are(foreign):
    """The third batch holds complaint dumps only, and lands right after a
    successful build: its build leaves the seeds, the registry's staging and
    the CFPB models with their tests as they are (orchestration/build_scope.py),
    and test_several_builds_give_the_tables_of_one_build shows nothing differs."""
    ran = [
        {result["unique_id"].split(".")[2] for result in json.loads((path / "run_results.json").read_text())["results"]}
        for path in build_invocations(foreign)
    ]
    left_out = {
        "compound_surnames",
        "province_aliases",
        "unique_domains_domain",
        "stg_tousu__platform_registry",
        "stg_cfpb__complaints",
        "fct_cfpb_complaints",
    }
    assert left_out <= ran[0] and left_out <= ran[1]  # the first build; the second follows a publication
    assert not left_out & ran[2]
    # what reads the new lines, and each test of it, still runs
    assert {"int_complaints__current_state", "fct_complaints", "platform_ratings", "typical_cases"} <= ran[2]
    assert any(name.startswith("relationships_fct_complaints_platform") for name in ran[2])
    assert len(ran[2]) < len(ran[0])


def test_late_states_change_periods_built_before(foreign):
    # Later batches bring replies, evaluations and new complaints for the
    # period: its live ratings move after it was first built (and published).
    assert foreign.builds[0]["live"] != foreign.builds[-1]["live"]


def test_every_line_is_loaded_quarantined_or_blank_as_the_oracle_says(foreign):
    source, incremental = foreign.source, foreign.incremental
    oracle = read_landing(source)
    warehouse = incremental.warehouse
    verdicts = {(f, n): r for f, n, r in query(warehouse, "SELECT source_file, line_no, reason FROM audit.quarantine")}
    verdicts.update(
        {
            (f, n): "loaded"
            for f, n in query(
                warehouse,
                "SELECT source_file, line_no FROM raw.complaints UNION ALL SELECT source_file, line_no FROM raw.platforms",
            )
        }
    )
    expected = {key: reason for key, reason in oracle.verdicts.items() if reason != "blank"}
    assert verdicts == expected
    blanks = sum(1 for reason in oracle.verdicts.values() if reason == "blank")
    assert query(warehouse, "SELECT sum(n_blank) FROM audit.ingested_files") == [(blanks,)]
    assert query(
        warehouse, "SELECT source_file, status, duplicate_of FROM audit.ingested_files WHERE status = 'duplicate'"
    ) == [("complaints-2024-07-copy.jsonl", "duplicate", "complaints-2024-06.jsonl")]


def test_current_states_follow_updated_at_then_file_then_line(foreign):
    source, incremental = foreign.source, foreign.incremental
    oracle = read_landing(source)
    got = {
        cid: (f, n)
        for cid, f, n in query(
            incremental.warehouse, "SELECT complaint_id, source_file, source_line_no FROM core.fct_complaints"
        )
    }
    assert got == {cid: (rec["_file"], rec["_line"]) for cid, rec in oracle.complaints.items()}
    # TIE1: same updated_at in two files → the greater file name wins;
    # TIE2: same updated_at twice in one file → the greater line wins.
    assert query(
        incremental.warehouse,
        "SELECT complaint_id, status FROM core.fct_complaints WHERE complaint_id IN ('TIE1', 'TIE2') ORDER BY 1",
    ) == [("TIE1", "已受理"), ("TIE2", "已移交")]


def test_platform_ratings_agree_with_the_rules(foreign):
    source, incremental = foreign.source, foreign.incremental
    expected = ratings(read_landing(source))
    rows = query(incremental.warehouse, f"SELECT {MART_COLUMNS} FROM marts.platform_ratings")
    got = {(r[0], r[2]): r for r in rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        row = got[key]
        assert row[1] == want["domain"], key
        assert row[7] == want["n_complaints"] and row[11] == want["n_scored"], key
        for column, index in (("reply_rate", 9), ("timeliness", 10), ("satisfaction", 12), ("composite_index", 13)):
            assert abs(row[index] - want[column]) <= 1e-9, (key, column)
        assert (row[14], row[15]) == (want["eligible"], want["rating"]), key
    assert {row[15] for row in rows} == {"不予评级", "不建议下单", "谨慎下单", "建议下单"}


def test_several_builds_give_the_tables_of_one_build(foreign):
    incremental, at_once = foreign.incremental, foreign.at_once
    ledger = "SELECT source_file, status, duplicate_of, n_lines, n_loaded, n_quarantined, n_blank FROM audit.ingested_files ORDER BY 1"
    assert query(incremental.warehouse, ledger) == query(at_once.warehouse, ledger)
    # Ingestion times differ between the two warehouses; nothing else may.
    tables = complaint_tables(at_once.warehouse)
    assert {"marts.platform_ratings", "core.fct_complaints", "intermediate.int_complaints__current_state"} <= set(
        tables
    )
    for table, columns in tables.items():
        assert rows_but_ingestion_times(incremental.warehouse, table, columns) == rows_but_ingestion_times(
            at_once.warehouse, table, columns
        ), table


def test_building_again_changes_nothing(foreign, capsys):
    incremental = foreign.incremental
    snapshot = "SELECT * FROM marts.platform_ratings ORDER BY ALL"
    before = query(incremental.warehouse, snapshot)
    files_before = query(incremental.warehouse, "SELECT count(*) FROM audit.ingested_files")
    release = current_release(incremental.serving)
    # nothing landed, same code: no run at all (issue 15.1)
    capsys.readouterr()
    assert run_tousu(incremental, "build") == 0
    assert "nothing new" in capsys.readouterr().out and current_release(incremental.serving) == release
    # a touched file is read again, found unchanged, and the incremental dbt
    # build that follows changes nothing
    touched = next(path for path in incremental.landing.iterdir() if path.suffix == ".jsonl")
    os.utime(touched)
    assert run_tousu(incremental, "build") == 0
    assert "nothing new" not in capsys.readouterr().out and current_release(incremental.serving) != release
    assert query(incremental.warehouse, snapshot) == before
    assert query(incremental.warehouse, "SELECT count(*) FROM audit.ingested_files") == files_before


def test_serving_holds_every_mart_as_duckdb_and_parquet(foreign):
    incremental = foreign.incremental
    serving = incremental.serving
    assert (serving / "warehouse.duckdb").is_symlink() and (serving / "parquet").is_symlink()
    for table in ("platform_ratings", "rating_board", "complaint_board"):
        parquet = serving / "parquet" / f"{table}.parquet"
        in_warehouse = query(incremental.warehouse, f"SELECT * FROM marts.{table} ORDER BY ALL")
        assert query(serving / "warehouse.duckdb", f"SELECT * FROM marts.{table} ORDER BY ALL") == in_warehouse
        assert query(None, f"SELECT * FROM read_parquet('{parquet}') ORDER BY ALL") == in_warehouse


def test_boards_agree_with_their_definitions(foreign):
    from spec_oracle import boards

    source, incremental = foreign.source, foreign.incremental
    want_rating, want_complaint = boards(ratings(read_landing(source)))
    got_rating = {
        (d, k, p): r
        for d, k, r, p in query(
            incremental.warehouse, "SELECT domain, period_key, rank, platform FROM marts.rating_board"
        )
    }
    got_complaint = {
        (d, k, p): r
        for d, k, r, p in query(
            incremental.warehouse, "SELECT domain, period_key, rank, platform FROM marts.complaint_board"
        )
    }
    assert want_rating and want_complaint
    assert got_rating == want_rating
    assert got_complaint == want_complaint


def test_distributions_agree_with_their_definitions(foreign):
    from spec_oracle import distributions

    source, incremental = foreign.source, foreign.incremental
    want_platform, want_domain = distributions(read_landing(source))
    for table, want in (("platform_distribution", want_platform), ("domain_distribution", want_domain)):
        rows = query(incremental.warehouse, f"SELECT * FROM marts.{table}")
        got = {tuple(row[:4]): (row[4], row[5]) for row in rows}
        assert want and set(got) == set(want), table
        for key, (n, share) in want.items():
            assert got[key][0] == n and abs(got[key][1] - share) <= 1e-9, (table, key)


def test_annual_summary_and_typical_cases_agree_with_their_definitions(foreign):
    from spec_oracle import annual_summary, typical_cases

    source, incremental = foreign.source, foreign.incremental
    oracle = read_landing(source)
    want = annual_summary(ratings(oracle))
    rows = query(
        incremental.warehouse,
        """
        SELECT platform, year, n_ratings, n_recommended, n_cautious, n_not_recommended, n_unrated, annual_rating
        FROM marts.platform_annual_summary""",
    )
    got = {
        (p, y): {"n_ratings": n, "建议下单": a, "谨慎下单": b, "不建议下单": c, "不予评级": d, "annual_rating": r}
        for p, y, n, a, b, c, d, r in rows
    }
    assert want and got == want
    cases: dict[tuple, list] = {}
    for platform, year, _, complaint_id in query(
        incremental.warehouse,
        "SELECT platform, year, case_rank, complaint_id FROM marts.typical_cases ORDER BY platform, year, case_rank",
    ):
        cases.setdefault((platform, year), []).append(complaint_id)
    assert cases and cases == typical_cases(oracle)


def test_trace_lists_exactly_the_complaints_behind_a_rating_row(foreign, capsys):
    from spec_oracle import TRANSFERRED, parse_ts, periods_of, platform_name, strip

    source, incremental = foreign.source, foreign.incremental
    oracle = read_landing(source)
    rows = query(
        incremental.warehouse,
        "SELECT platform, period_key, n_complaints FROM marts.platform_ratings ORDER BY n_complaints DESC LIMIT 3",
    )
    for platform, period, n_complaints in rows:
        capsys.readouterr()
        assert run_tousu(incremental, "trace", "--platform", platform, "--period", period, "--csv") == 0
        lines = capsys.readouterr().out.strip().splitlines()[1:]
        traced = {(row[0], row[-2], int(row[-1])) for row in csv.reader(lines)}
        expected = {
            (cid, record["_file"], record["_line"])
            for cid, record in oracle.complaints.items()
            if platform_name(record) == platform
            and strip(record["status"]) in TRANSFERRED
            and period in {key for key, _ in periods_of(parse_ts(record["submitted_at"]).date())}
        }
        assert len(traced) == n_complaints and traced == expected


def test_trace_of_an_unknown_row_or_before_any_build_says_so(foreign, tmp_path):
    from orchestration.cli import EXIT_NOT_BUILT, EXIT_USAGE

    assert run_tousu(foreign.incremental, "trace", "--platform", "没有这个平台", "--period", "2024") == EXIT_USAGE
    assert (
        run_tousu(DataDir(tmp_path / "empty").create(), "trace", "--platform", "x", "--period", "2024")
        == EXIT_NOT_BUILT
    )


def test_trace_while_another_process_writes_the_warehouse_exits_7(foreign):
    import subprocess
    import sys

    from orchestration.cli import EXIT_WAREHOUSE_BUSY

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('holding', flush=True); time.sleep(60)",
            str(foreign.incremental.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert run_tousu(foreign.incremental, "trace", "--platform", "泽塔", "--period", "2024") == EXIT_WAREHOUSE_BUSY
    finally:
        holder.kill()
        holder.wait()


# The tests below change the incremental warehouse: they run last, in this order.


NEW_COMPLAINT = {
    "complaint_id": "INCREMENTAL-NEW-1",
    "updated_at": "2024-12-30T10:00:00+08:00",
    "submitted_at": "2024-12-30 09:00:00",
    "platform": "泽塔",
    "domain": "其他",
    "status": "未审核",
    "title": "新的投诉",
}


def test_an_incremental_build_reads_only_new_lines_and_a_full_refresh_reads_all(foreign):
    data_dir = foreign.incremental
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
    (data_dir.landing / "complaints-2024-12-31-extra.jsonl").write_text(
        json.dumps(NEW_COMPLAINT, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    assert run_tousu(data_dir, "build") == 0
    titles_sql = "SELECT complaint_id, title FROM core.fct_complaints WHERE complaint_id IN (?, 'INCREMENTAL-NEW-1')"
    assert dict(query(data_dir.warehouse, titles_sql, [complaint_id])) == {
        complaint_id: title,
        "INCREMENTAL-NEW-1": NEW_COMPLAINT["title"],
    }
    tables = complaint_tables(data_dir.warehouse)

    def snapshot() -> dict[str, list[tuple]]:
        # every row but the altered complaint's, which only a full refresh reads again
        return {
            table: query(
                data_dir.warehouse,
                f"SELECT * FROM {table} {'WHERE complaint_id <> ?' if 'complaint_id' in columns else ''} ORDER BY ALL",
                [complaint_id] if "complaint_id" in columns else [],
            )
            for table, columns in tables.items()
        }

    incremental = snapshot()
    assert run_tousu(data_dir, "build", "--full-refresh") == 0
    assert query(
        data_dir.warehouse, "SELECT title FROM core.fct_complaints WHERE complaint_id = ?", [complaint_id]
    ) == [("ALTERED",)]
    # Apart from that complaint, the full refresh gives the incremental build's tables.
    refreshed = snapshot()
    assert sorted(refreshed) == sorted(incremental)
    for table in incremental:
        assert refreshed[table] == incremental[table], table


def test_publication_is_frozen_and_republishing_adds_a_revision(foreign):
    warehouse = foreign.incremental.warehouse
    revisions = published(warehouse, PUBLISHED_PERIOD)
    # Revision 1 holds the ratings as they were after the first batch, although
    # later batches (and a full refresh) changed the live marts since.
    assert list(revisions) == [1]
    assert revisions[1] == foreign.builds[0]["live"] != live(warehouse, PUBLISHED_PERIOD)

    assert run_tousu(foreign.incremental, "publish", "--period", PUBLISHED_PERIOD) == 0
    revisions = published(warehouse, PUBLISHED_PERIOD)
    assert list(revisions) == [1, 2]
    assert revisions[1] == foreign.builds[0]["live"]
    assert revisions[2] == live(warehouse, PUBLISHED_PERIOD)
    stamps = query(
        warehouse,
        """
        SELECT revision, count(DISTINCT published_at), count(DISTINCT code_version), min(code_version)
        FROM marts.published_ratings WHERE period_key = ? GROUP BY revision ORDER BY revision""",
        [PUBLISHED_PERIOD],
    )
    assert [row[:3] for row in stamps] == [(1, 1, 1), (2, 1, 1)]
    assert stamps[0][3].startswith("0.1.0+g")
    # BI sees the publication: it is in the serving release written after it.
    serving = foreign.incremental.serving / "warehouse.duckdb"
    assert query(
        serving, "SELECT max(revision) FROM marts.published_ratings WHERE period_key = ?", [PUBLISHED_PERIOD]
    ) == [(2,)]


def test_publish_refuses_periods_without_ratings_or_not_ended(foreign, tmp_path):
    import datetime as dt

    from orchestration.cli import EXIT_NOT_BUILT, EXIT_USAGE
    from orchestration.publish import CannotPublish, publish_period

    assert run_tousu(foreign.incremental, "publish", "--period", "2031-Q1") == EXIT_USAGE
    assert run_tousu(DataDir(tmp_path / "empty").create(), "publish", "--period", "2024") == EXIT_NOT_BUILT
    with pytest.raises(CannotPublish, match="only ended periods"):
        publish_period(foreign.incremental, "2024", today=dt.date(2024, 12, 31))
