"""Which lines `tousu purge` deletes, per source: a complaint's raw rows, and
the quarantined lines of its own kind of file that name it — no other."""

import datetime as dt

import duckdb
import pytest

from orchestration.ingestion.run import ensure_schema
from orchestration.purge import CFPB, DUMPS, _delete_lines
from orchestration.warehouse.sql_functions import register

TARGET = "3384392"
NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)

# (file, kind, quarantined line, the source whose complaint TARGET it names)
QUARANTINED = [
    ("cfpb-a.csv", "cfpb", f"2019-10-01,Mortgage,,,,,,BANK,CA,90210,,,Web,2019-10-01,Closed,Yes,N/A,{TARGET}", "cfpb"),
    ("cfpb-a.csv", "cfpb", f'"2019-10-01","Mortgage","BANK","CA","{TARGET}",extra', "cfpb"),
    ("cfpb-a.csv", "cfpb", f"2019-10-01,Mortgage,BANK, {TARGET} \r", "cfpb"),
    ("cfpb-a.csv", "cfpb", f"{TARGET},truncated", "cfpb"),
    # the id inside another field, a longer number, a ZIP code: not the complaint
    ("cfpb-a.csv", "cfpb", f'2019-10-01,"I called about case {TARGET}, twice",BANK,CA,90210', None),
    ("cfpb-a.csv", "cfpb", f"2019-10-01,Mortgage,BANK,CA,9{TARGET}", None),
    ("cfpb-a.csv", "cfpb", "2019-10-01,Mortgage,BANK,CA,90210,4000000", None),
    # a dump's broken lines: one naming its complaint TARGET, one with the
    # digits as a bare field (a CFPB record's form, in another kind of file)
    ("complaints-a.jsonl", "complaints", f'{{"complaint_id" : " {TARGET}",', "dumps"),
    ("complaints-a.jsonl", "complaints", f"{{broken,{TARGET},", None),
]


def lines_naming(source: str) -> list[tuple[str, int]]:
    return [(name, n) for n, (name, *_, names) in enumerate(QUARANTINED, start=1) if names == source]


@pytest.fixture
def con():
    with register(duckdb.connect()) as con:
        ensure_schema(con)
        for name, kind in {(name, kind) for name, kind, *_ in QUARANTINED}:
            con.execute(
                "INSERT INTO audit.ingested_files (source_file, sha256, kind, status, ingested_at)"
                " VALUES (?, ?, ?, 'loaded', ?)",
                [name, name, kind, NOW],
            )
        con.executemany(
            "INSERT INTO audit.quarantine VALUES (?, ?, 'invalid_record', ?, ?)",
            [(name, n, line, NOW) for n, (name, _, line, _) in enumerate(QUARANTINED, start=1)],
        )
        con.execute(
            "INSERT INTO raw.cfpb_complaints (source_file, line_no, complaint_id, ingested_at)"
            " VALUES ('cfpb-a.csv', 10, ?, ?), ('cfpb-b.csv', 10, ?, ?), ('cfpb-a.csv', 11, '3384393', ?)",
            [f" {TARGET} ", NOW, TARGET, NOW, NOW],
        )
        con.execute(
            "INSERT INTO raw.complaints (source_file, line_no, complaint_id, ingested_at)"
            " VALUES ('complaints-a.jsonl', 10, ?, ?)",
            [TARGET, NOW],
        )
        yield con


def test_a_cfpb_purge_deletes_its_records_and_the_quarantined_ones_that_name_it(con):
    raw, quarantined = _delete_lines(con, CFPB, TARGET, NOW)
    assert sorted(raw) == [("cfpb-a.csv", 10), ("cfpb-b.csv", 10)]
    assert sorted(quarantined) == lines_naming("cfpb")
    # the dump's complaint with the same id, and every other line, stay
    assert con.execute("SELECT count(*) FROM raw.complaints").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM raw.cfpb_complaints").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM audit.quarantine").fetchall() == [(len(QUARANTINED) - 4,)]
    tombstones = con.execute("SELECT layer, count(*) FROM audit.purged_lines GROUP BY ALL ORDER BY ALL").fetchall()
    assert tombstones == [("quarantine", 4), ("raw", 2)]


def test_a_dump_purge_leaves_the_cfpb_records_with_the_same_id(con):
    raw, quarantined = _delete_lines(con, DUMPS, TARGET, NOW)
    assert (raw, quarantined) == ([("complaints-a.jsonl", 10)], lines_naming("dumps"))
    assert con.execute("SELECT count(*) FROM raw.cfpb_complaints").fetchall() == [(3,)]
    assert con.execute("SELECT count(*) FROM audit.quarantine").fetchall() == [(len(QUARANTINED) - 1,)]
