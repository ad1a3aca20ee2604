"""`tousu purge --complaint-id`: the complaint is gone from every layer of the
warehouse and of serving, the ledger still reconciles, landing is untouched."""

import contextlib
import io

import duckdb
import pytest
from cfpb_landing import LANDED as CFPB_FILES
from cfpb_landing import company_year_figures, record_to_purge, sample_records
from conftest import copy_data_dir, derived_tables, query, run_tousu
from e2e.test_cfpb import RATING_COUNTS
from foreign_landing import PERSONAL_FILE, PERSONAL_ID, PERSONAL_NAME, PERSONAL_PHONE

from orchestration.cli import EXIT_NOT_BUILT, EXIT_USAGE
from orchestration.paths import DataDir
from orchestration.warehouse.serving import current_release

SECRET_NAME, SECRET_PHONE = PERSONAL_NAME, PERSONAL_PHONE


def text_cells_containing(con, needle: str, skip: set[str] = frozenset()) -> list[str]:
    """Every table.column of every schema whose text holds `needle` (views read
    tables, so tables are where data can be)."""
    hits = []
    columns = con.execute("""
        SELECT c.database_name, c.schema_name, c.table_name, c.column_name
        FROM duckdb_columns() AS c
        JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name)
        WHERE c.data_type IN ('VARCHAR', 'JSON') AND NOT c.internal""").fetchall()
    for database, schema, table, column in columns:
        name = f"{schema}.{table}"
        if name in skip:
            continue
        relation = f'"{database}"."{schema}"."{table}"'
        found = con.execute(
            f'SELECT count(*) FROM {relation} WHERE contains("{column}"::VARCHAR, ?)', [needle]
        ).fetchall()
        if found[0][0]:
            hits.append(f"{name}.{column}")
    return hits


@pytest.fixture(scope="module")
def purged(tmp_path_factory, foreign_warehouse):
    # The foreign landing zone holds a complainant with a name and phone of their
    # own, in a later state, and a broken line about the same complaint.
    data_dir = copy_data_dir(foreign_warehouse, tmp_path_factory.mktemp("purge") / "data")
    target = PERSONAL_ID
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        assert text_cells_containing(con, SECRET_NAME) == ["raw.complaints.user"]
        assert "audit.quarantine.raw_line" in text_cells_containing(con, SECRET_PHONE)
        # rated and answered: it counts in the marts until purged
        assert con.execute(
            "SELECT is_rated AND has_effective_reply FROM core.fct_complaints WHERE complaint_id = ?", [target]
        ).fetchall() == [(True,)]
    landing_before = {p.name: p.read_bytes() for p in data_dir.landing.iterdir()}
    others_before = other_complaints_rows(data_dir, target)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_tousu(data_dir, "purge", "--complaint-id", target)
    return data_dir, target, code, out.getvalue(), landing_before, others_before


def other_complaints_rows(data_dir: DataDir, target: str) -> dict[str, list[tuple]]:
    """The rows of every other complaint in each table keyed by complaint, as
    they are (the incremental tables among them are not rebuilt by a purge)."""
    keyed = [
        t
        for t, columns in derived_tables(data_dir.warehouse).items()
        if {"complaint_id", "source_line_no"} <= set(columns)
    ]
    assert {"intermediate.int_complaints__current_state", "core.fct_complaints", "core.fct_replies"} <= set(keyed)
    return {
        t: query(data_dir.warehouse, f"SELECT * FROM {t} WHERE complaint_id <> ? ORDER BY ALL", [target]) for t in keyed
    }


def test_purge_succeeds_and_names_the_landing_files_to_redact(purged):
    data_dir, target, code, output, *_ = purged
    assert code == 0
    assert f"purged {target}:" in output
    assert str(data_dir.landing / PERSONAL_FILE) in output


def test_nothing_of_the_complaint_is_left_in_the_warehouse(purged):
    data_dir, target, *_ = purged
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        for needle in (target, SECRET_NAME, SECRET_PHONE):
            assert text_cells_containing(con, needle) == [], needle
        tombstones = con.execute(
            "SELECT layer, count(*) FROM audit.purged_lines GROUP BY layer ORDER BY layer"
        ).fetchall()
    assert dict(tombstones)["quarantine"] == 1 and dict(tombstones)["raw"] >= 2


def test_nothing_of_it_is_left_in_serving_and_no_older_release_remains(purged):
    data_dir, target, *_ = purged
    assert len(list((data_dir.serving / "releases").iterdir())) == 1
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{data_dir.serving / 'warehouse.duckdb'}' AS serving (READ_ONLY)")
        for needle in (target, SECRET_NAME, SECRET_PHONE):
            assert text_cells_containing(con, needle) == [], needle
        for parquet in (data_dir.serving / "parquet").iterdir():
            assert not con.execute(
                f"SELECT count(*) FROM read_parquet('{parquet}') AS t WHERE contains(t::VARCHAR, ?)", [target]
            ).fetchall()[0][0], parquet.name


def test_the_purge_is_incremental_and_leaves_every_other_complaint_as_it_was(purged):
    """On DuckDB a purge costs what a day costs: the incremental tables lose
    the purged complaint's rows (macro drop_purged_complaints) and nothing
    else; every other row stays as it was, ingestion times included."""
    data_dir, target, *_, others_before = purged
    run = data_dir.newest_dbt_run_results()
    assert not run["args"].get("full_refresh", False)
    assert other_complaints_rows(data_dir, target) == others_before
    (held,) = [r for r in run["results"] if r["unique_id"].endswith(".assert_no_purged_complaint_is_held")]
    assert held["status"] == "pass"


def test_a_build_right_after_a_purge_finds_nothing_new(purged, capsys):
    """The purge's run brought every model up to date, as a build does."""
    data_dir, *_ = purged
    release = current_release(data_dir.serving)
    capsys.readouterr()
    assert run_tousu(data_dir, "build") == 0
    assert "nothing new" in capsys.readouterr().out and current_release(data_dir.serving) == release


def test_landing_is_untouched_and_the_ledger_still_reconciles(purged):
    data_dir, _, _, _, landing_before, _ = purged
    assert {p.name: p.read_bytes() for p in data_dir.landing.iterdir()} == landing_before
    # The purge's rebuild ran every dbt test (exit 0 above), the ledger's one
    # reconciliation among them: it checked every file and found none off.
    (reconciliation,) = [
        result
        for result in data_dir.newest_dbt_run_results()["results"]
        if ".assert_every_landed_line_accounted_for" in result["unique_id"]
    ]
    assert reconciliation["status"] == "pass" and reconciliation["failures"] == 0
    assert query(data_dir.warehouse, "SELECT count(*) FROM audit.ingested_files WHERE status = 'loaded'")[0][0] > 5


def test_purge_before_any_build_says_so(tmp_path):
    assert run_tousu(DataDir(tmp_path / "empty").create(), "purge", "--complaint-id", "X") == EXIT_NOT_BUILT


@pytest.fixture(scope="module")
def cfpb_purged(tmp_path_factory, cfpb_warehouse):
    """A CFPB complaint with a narrative its consumer consented to publish, in
    the three copies of the sample, purged: as when the consumer withdraws."""
    data_dir = copy_data_dir(cfpb_warehouse, tmp_path_factory.mktemp("cfpb-purge") / "data")
    target = record_to_purge()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_tousu(data_dir, "purge", "--cfpb-complaint-id", target["Complaint ID"])
    return data_dir, target, code, out.getvalue()


def test_a_cfpb_purge_erases_the_record_from_every_copy_layer_and_serving(cfpb_purged):
    data_dir, target, code, output = cfpb_purged
    complaint_id, narrative = target["Complaint ID"], target["Consumer complaint narrative"]
    assert code == 0
    # one record in each of the sample's three copies (plain, gzip, zip)
    assert f"purged CFPB {complaint_id}: 3 raw line(s), 0 quarantined line(s)" in output
    assert [n for n in CFPB_FILES if str(data_dir.landing / n) in output] == sorted(
        set(CFPB_FILES) - {"cfpb-2017-03-01.csv"}
    )
    needles = (complaint_id, narrative[60:120])
    for warehouse in (data_dir.warehouse, data_dir.serving / "warehouse.duckdb"):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for needle in needles:
                assert text_cells_containing(con, needle) == [], (warehouse.name, needle)
    # the ratings are an independent reading of the sample without the record
    kept = [r for r in sample_records() if r["Complaint ID"] != complaint_id]
    assert len(kept) == len(sample_records()) - 1
    served = query(
        data_dir.serving / "warehouse.duckdb",
        f"SELECT company, {RATING_COUNTS} FROM marts.cfpb_company_ratings WHERE period_key = '2019'",
    )
    counts = RATING_COUNTS.split(", ")
    assert {company: tuple(rest) for company, *rest in served} == {
        company: tuple(figures.get(key, 0) for key in counts)
        for company, figures in company_year_figures(kept, "2019").items()
    }
    checks = {
        result["unique_id"].split(".")[-1]: result["status"]
        for result in data_dir.newest_dbt_run_results()["results"]
        if result["unique_id"].startswith("test.tousu.assert_")
    }
    assert checks["assert_every_landed_line_accounted_for"] == "pass"
    assert checks["assert_no_purged_cfpb_complaint_is_held"] == "pass"


def test_an_id_that_names_nothing_exits_2_and_changes_nothing(purged, capsys):
    """A mistyped id would cost a full rebuild and a new serving release: it
    stops first. The complaint purged above is named still (its tombstones),
    so running its purge again, as after a rebuild that did not end, is not
    refused: only the CFPB id, which no CFPB record holds here, is."""
    data_dir, target, *_ = purged
    release, written = current_release(data_dir.serving), data_dir.warehouse.stat().st_mtime_ns
    capsys.readouterr()
    code = run_tousu(data_dir, "purge", "--complaint-id", target, "--cfpb-complaint-id", "1234567")
    message = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "no loaded or quarantined line names CFPB 1234567 (" in message and target not in message
    assert (current_release(data_dir.serving), data_dir.warehouse.stat().st_mtime_ns) == (release, written)
