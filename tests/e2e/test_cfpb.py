"""CFPB exports end to end (issue 18): the real extracts land as plain, gzip and
zip files, every record is accounted for, and the CFPB company ratings equal
an independent reading of the CSV (tests/cfpb_landing.py)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import subprocess
import sys
from dataclasses import dataclass

import duckdb
import pytest
from cfpb_landing import (
    LANDED,
    SAMPLE_JUNK_LINES,
    company_year_figures,
    later_snapshot,
    legacy_records,
    sample_records,
)
from conftest import copy_data_dir, query, run_tousu
from e2e.test_dbt_vars import dbt

from orchestration.paths import DATA_DIR_ENV, DataDir

# An email address, or a US phone number (555-123-4567, (555) 123-4567).
PERSONAL_PATTERN = r"[\w.+-]+@[\w-]+\.[\w.]+|\(?\b[0-9]{3}\)?[-. ][0-9]{3}[-. ][0-9]{4}\b"
RATING_COUNTS = "n_complaints, n_responded, n_timely, n_relief, n_dispute_known, n_disputed"
RATINGS = f"SELECT company, period_key, {RATING_COUNTS} FROM marts.cfpb_company_ratings ORDER BY ALL"


def served(data_dir: DataDir, sql: str, params=None) -> list[tuple]:
    return query(data_dir.serving / "warehouse.duckdb", sql, params)


def test_every_record_is_loaded_or_quarantined_and_the_ledger_counts_records(cfpb_warehouse):
    n_sample, n_legacy = len(sample_records()), len(legacy_records())
    ledger = query(
        cfpb_warehouse.warehouse,
        "SELECT source_file, kind, status, n_lines, n_loaded, n_quarantined, n_blank FROM audit.ingested_files"
        " ORDER BY source_file",
    )
    expected = [
        (name, "cfpb", "loaded", n_legacy, n_legacy, 0, 0)
        if layout == "legacy"
        else (name, "cfpb", "loaded", n_sample + SAMPLE_JUNK_LINES, n_sample, SAMPLE_JUNK_LINES, 0)
        for name, layout in sorted(LANDED.items())
    ]
    assert ledger == expected
    loaded = query(
        cfpb_warehouse.warehouse, "SELECT source_file, count(*) FROM raw.cfpb_complaints GROUP BY ALL ORDER BY ALL"
    )
    assert loaded == [(name, n_loaded) for name, _, _, _, n_loaded, _, _ in expected]
    # the archive tool's lines above the header: reported, with their text
    junk = query(
        cfpb_warehouse.warehouse,
        "SELECT DISTINCT line_no, reason, raw_line FROM audit.quarantine ORDER BY line_no",
    )
    assert [(n, reason) for n, reason, _ in junk] == [(1, "not_csv_before_header"), (2, "not_csv_before_header")]
    assert junk[0][2].startswith("Archive:")


def test_multi_line_narratives_load_intact_from_every_copy(cfpb_warehouse):
    expected = {r["Complaint ID"]: r["Consumer complaint narrative"] for r in sample_records()}
    assert sum("\n" in text for text in expected.values()) > 100
    for name, layout in LANDED.items():
        if layout == "legacy":
            continue
        rows = query(
            cfpb_warehouse.warehouse,
            "SELECT complaint_id, consumer_complaint_narrative FROM raw.cfpb_complaints WHERE source_file = ?",
            [name],
        )
        assert dict(rows) == expected, name


def test_2019_figures_of_the_largest_companies_equal_an_independent_reading(cfpb_warehouse):
    figures = company_year_figures(sample_records(), "2019")
    largest = sorted(figures, key=lambda company: -figures[company]["n_complaints"])[:8]
    rows = served(
        cfpb_warehouse,
        f"SELECT company, {RATING_COUNTS}, response_rate, timely_rate, relief_rate, dispute_rate"
        " FROM marts.cfpb_company_ratings WHERE period_key = '2019'",
    )
    got = {row[0]: row for row in rows}
    assert len(got) == len(figures)
    for company in largest:
        want = figures[company]
        row = got[company]
        counts = dict(zip(RATING_COUNTS.split(", "), row[1:7], strict=True))
        assert counts == {key: want.get(key, 0) for key in counts}, company
        n = want["n_complaints"]
        assert row[7:10] == (want["n_responded"] / n, want["n_timely"] / n, want.get("n_relief", 0) / n), company
        assert (
            row[10] is None
            if not want.get("n_dispute_known")
            else row[10] == want["n_disputed"] / want["n_dispute_known"]
        )
    transunion = got["TRANSUNION INTERMEDIATE HOLDINGS, INC."]
    assert (transunion[1], transunion[7], transunion[9]) == (1617, 1.0, 35 / 1617)


def test_trace_of_a_company_lists_exactly_its_complaints_with_the_record_each_came_from(cfpb_warehouse, capsys):
    company = "TRANSUNION INTERMEDIATE HOLDINGS, INC."
    received_2019 = {
        record["Complaint ID"]
        for record in sample_records()
        if record["Date received"].startswith("2019") and record["Company"].strip() == company
    }
    capsys.readouterr()
    assert run_tousu(cfpb_warehouse, "trace", "--company", company, "--period", "2019", "--csv") == 0
    header, *rows = csv.reader(io.StringIO(capsys.readouterr().out))
    assert header[0] == "complaint_id" and header[-2:] == ["source_file", "line"]
    assert len(rows) == 1617 and {row[0] for row in rows} == received_2019
    # each line names the raw record the complaint's state came from
    landed = {
        (source_file, str(line_no)): (complaint_id, raw_company)
        for source_file, line_no, complaint_id, raw_company in query(
            cfpb_warehouse.warehouse, "SELECT source_file, line_no, complaint_id, company FROM raw.cfpb_complaints"
        )
    }
    assert all(landed[(row[-2], row[-1])] == (row[0], company) for row in rows)
    capsys.readouterr()
    assert run_tousu(cfpb_warehouse, "trace", "--company", company, "--period", "2019") == 0
    assert capsys.readouterr().out.startswith(f"{company} 2019: 1617 complaints received; response_rate 1.0000")
    assert run_tousu(cfpb_warehouse, "trace", "--company", "NO SUCH COMPANY", "--period", "2019") == 2


def test_legacy_records_fill_only_months_no_keyed_record_covers(cfpb_warehouse):
    keyed_months = {r["Date received"][:7] for r in sample_records()}
    legacy_months = [
        f"{year}-{int(month):02d}" for month, _, year in (r["Date received"].split("/") for r in legacy_records())
    ]
    rows = query(
        cfpb_warehouse.warehouse,
        "SELECT complaint_id IS NULL, strftime(received_month, '%Y-%m'), count(*)"
        " FROM core.fct_cfpb_complaints GROUP BY ALL",
    )
    legacy = {month: n for is_legacy, month, n in rows if is_legacy}
    assert legacy and not set(legacy) & keyed_months
    expected = {}
    for month in legacy_months:
        if month not in keyed_months:
            expected[month] = expected.get(month, 0) + 1
    assert legacy == expected
    assert sum(n for is_legacy, _, n in rows if not is_legacy) == len(sample_records())


def test_narratives_leave_the_raw_layer_only_with_consent(cfpb_warehouse):
    records = sample_records()
    withheld = {
        r["Consumer complaint narrative"]
        for r in records
        if r["Consumer complaint narrative"] and r["Consumer consent provided?"] != "Consent provided"
    }
    consented = {r["Complaint ID"] for r in records if r["Consumer consent provided?"] == "Consent provided"}
    narrated = query(
        cfpb_warehouse.warehouse, "SELECT complaint_id FROM core.fct_cfpb_complaints WHERE narrative IS NOT NULL"
    )
    assert narrated and {i for (i,) in narrated} <= consented
    # every text cell of the marts and of serving: no withheld narrative, and
    # no email or US phone number (the CFPB scrubs them; nothing slipped through)
    for database in (cfpb_warehouse.warehouse, cfpb_warehouse.serving / "warehouse.duckdb"):
        columns = query(
            database,
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
            " WHERE table_schema IN ('core', 'marts') AND data_type = 'VARCHAR'",
        )
        for schema, table, column in columns:
            leaks = query(
                database,
                f'SELECT count(*) FROM {schema}.{table} WHERE "{column}" IN (SELECT unnest(?::VARCHAR[]))'
                f""" OR regexp_matches("{column}", '{PERSONAL_PATTERN}')""",
                [sorted(withheld)],
            )
            assert leaks == [(0,)], (table, column)


def test_rows_no_ledger_row_owns_fail_the_reconciliation(cfpb_warehouse, tmp_path):
    """What a build killed mid-export leaves until the next ingestion deletes it
    (test_crash_safety): a dbt run started by hand in between must not rate it."""
    data_dir = copy_data_dir(cfpb_warehouse, tmp_path / "data")
    with duckdb.connect(str(data_dir.warehouse)) as con:
        con.execute(
            "INSERT INTO raw.cfpb_complaints"
            " SELECT * REPLACE ('cfpb-2020-03-22.csv' AS source_file) FROM raw.cfpb_complaints LIMIT 3"
        )
    result = dbt(data_dir.root, "test", "--select", "assert_every_landed_line_accounted_for")
    assert result.returncode == 1 and "Got 1 result" in result.stdout, result.stdout[-2000:]


def test_the_cfpb_board_from_the_cli(cfpb_warehouse):
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "board", "--source", "cfpb", "--period", "2019", "--top", "3"],
        env={**os.environ, DATA_DIR_ENV: str(cfpb_warehouse.root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert (
        lines[0]
        == f"2019 CFPB companies by complaints (top 3 of {len(company_year_figures(sample_records(), '2019'))} companies)"
    )
    assert lines[3].split() == [
        "1",
        "TRANSUNION",
        "INTERMEDIATE",
        "HOLDINGS,",
        "INC.",
        "1617",
        "100.0%",
        "100.0%",
        "2.2%",
        "-",
    ]
    assert len(lines) == 6


@dataclass
class Snapshots:
    before: list[tuple]  # the ratings of the landing zone of cfpb_warehouse
    after: list[tuple]  # once a later snapshot landed, and the same snapshot again
    ledger: list[tuple]
    build_output: str  # what `tousu build` printed


@pytest.fixture(scope="module")
def snapshots(cfpb_warehouse, tmp_path_factory) -> Snapshots:
    """A later export in which every "In progress" complaint is closed with
    monetary relief lands, and the same snapshot again, gzipped (a greater
    name: the current state of every complaint comes from it)."""
    data_dir = copy_data_dir(cfpb_warehouse, tmp_path_factory.mktemp("cfpb") / "data")
    later = later_snapshot(sample_records(), "Closed with monetary relief")
    (data_dir.landing / "cfpb-2020-04-01.csv").write_bytes(later)
    (data_dir.landing / "cfpb-2020-04-02.csv.gz").write_bytes(gzip.compress(later, mtime=0))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert run_tousu(data_dir, "build") == 0
    ledger = query(
        data_dir.warehouse,
        "SELECT source_file, status, n_loaded FROM audit.ingested_files WHERE source_file LIKE 'cfpb-2020-04%'"
        " ORDER BY 1",
    )
    return Snapshots(served(cfpb_warehouse, RATINGS), served(data_dir, RATINGS), ledger, printed.getvalue())


def test_a_later_snapshot_closing_complaints_changes_their_ratings(snapshots):
    in_progress = [r for r in sample_records() if r["Company response to consumer"] == "In progress"]
    assert len(in_progress) == 35
    changed = {(r["Company"], r["Date received"][:4]) for r in in_progress}
    before = {row[:2]: row[2:] for row in snapshots.before}
    after = {row[:2]: row[2:] for row in snapshots.after}
    assert set(before) == set(after)
    moved = {key for key in before if before[key] != after[key]}
    assert {(company, key) for company, key in moved if len(key) == 4} == changed
    for company, year in changed:
        n_closed = sum(1 for r in in_progress if (r["Company"], r["Date received"][:4]) == (company, year))
        old, new = before[(company, year)], after[(company, year)]
        # n_responded and n_relief rise by the complaints closed; the rest stays
        assert (new[1] - old[1], new[3] - old[3]) == (n_closed, n_closed)
        assert (new[0], new[2], new[4], new[5]) == (old[0], old[2], old[4], old[5])


def test_the_same_snapshot_twice_counts_each_complaint_once(snapshots):
    """Both copies load (other bytes), and the ratings are those of one later
    snapshot read independently: the copy changed nothing."""
    n = len(sample_records())
    assert snapshots.ledger == [("cfpb-2020-04-01.csv", "loaded", n), ("cfpb-2020-04-02.csv.gz", "loaded", n)]
    later = [
        dict(r, **{"Company response to consumer": "Closed with monetary relief"})
        if r["Company response to consumer"] == "In progress"
        else r
        for r in sample_records()
    ]
    counts = RATING_COUNTS.split(", ")
    for year in ("2019", "2020"):  # years without legacy records
        expected = {
            (company, year): tuple(figures.get(key, 0) for key in counts)
            for company, figures in company_year_figures(later, year).items()
        }
        assert {row[:2]: row[2:] for row in snapshots.after if row[1] == year} == expected, year


def test_the_build_counts_an_exports_records_apart_from_dump_lines(snapshots):
    """A CFPB record may span several lines: the summary names what it counts."""
    n = len(sample_records())
    assert f"  CFPB records: {2 * n:,} loaded, 0 quarantined, 0 blank\n" in snapshots.build_output
    assert "  lines:" not in snapshots.build_output  # no dump or registry landed
