"""CFPB exports: records assembled from physical lines, split and validated in
SQL, judged against Python's csv module (an independent CSV reader)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion import cfpb, complaints
from orchestration.ingestion.landing import FileKind, kind_of
from orchestration.ingestion.reader import read_chunks
from orchestration.warehouse import sql_functions

SAMPLE = Path(__file__).parents[1] / "fixtures" / "cfpb" / "complaints_sample.csv"
LEGACY = Path(__file__).parents[1] / "fixtures" / "cfpb" / "consumer_complaints.csv"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)

HEADER = (
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company public response,"
    "Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date sent to company,"
    "Company response to consumer,Timely response?,Consumer disputed?,Complaint ID"
)


def record(**changes: str) -> str:
    """One valid 18-column record, as CSV text, with some fields changed."""
    fields = {
        "Date received": "2019-09-24",
        "Product": "Debt collection",
        "Sub-product": "I do not know",
        "Issue": "Attempts to collect debt not owed",
        "Sub-issue": "Debt is not yours",
        "Consumer complaint narrative": "",
        "Company public response": "",
        "Company": "TRANSWORLD SYSTEMS INC",
        "State": "FL",
        "ZIP code": "335XX",
        "Tags": "",
        "Consumer consent provided?": "Consent not provided",
        "Submitted via": "Web",
        "Date sent to company": "2019-09-24",
        "Company response to consumer": "Closed with explanation",
        "Timely response?": "Yes",
        "Consumer disputed?": "N/A",
        "Complaint ID": "3384392",
    }
    fields.update({name.replace("_", " "): value for name, value in changes.items()})
    out = io.StringIO()
    # the line terminator (dropped) makes the writer quote fields with line breaks
    csv.writer(out, lineterminator="\r\n").writerow(fields[name] for name in HEADER.split(","))
    return out.getvalue().removesuffix("\r\n")


def classify(path: Path, chunk_bytes: int = 1 << 20) -> list[dict]:
    """Every record of a file with its verdict (reason None: loaded)."""
    with duckdb.connect() as con:
        sql_functions.register(con)
        plausible = complaints.plausible_range_params(NOW)
        rows = []
        for _ in cfpb.classify_file(con, read_chunks(path, chunk_bytes), path.name, plausible, []):
            cursor = con.execute("SELECT * FROM classified ORDER BY line_no")
            names = [d[0] for d in cursor.description]
            rows += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return rows


def write(tmp_path: Path, text: str, name: str = "cfpb-test.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_export_names_are_cfpb_landing_files():
    for name in ("cfpb-2026-01-01.csv", "cfpb-x.csv.gz", "cfpb-complaints.zip"):
        assert kind_of(name) is FileKind.CFPB
    assert kind_of("complaints.csv.zip") is None


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 65536])
def test_the_real_sample_equals_pythons_csv_reading_at_any_chunk_size(chunk_bytes):
    """Narratives with line breaks cross chunk boundaries; every field and the
    line each record starts on agree with the csv module."""
    rows = classify(SAMPLE, chunk_bytes)
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        junk = [handle.readline(), handle.readline()]
        reader = csv.reader(handle)
        header = next(reader)
        expected, starts, line_no = [], [], 3
        for fields in reader:
            starts.append(line_no + 1)
            line_no = 2 + reader.line_num
            expected.append(fields)
    assert [r["reason"] for r in rows[:2]] == ["not_csv_before_header"] * 2
    assert [r["record"] for r in rows[:2]] == [line.rstrip("\n") for line in junk]
    loaded = rows[2:]
    assert all(r["reason"] is None for r in loaded)
    columns = [cfpb._BY_HEADER[cfpb.normalise_header(name)] for name in header]
    assert [[r[c] for c in columns] for r in loaded] == expected
    assert [r["line_no"] for r in loaded] == starts
    assert sum("\n" in r["consumer_complaint_narrative"] for r in loaded) > 100


def test_the_legacy_export_crlf_and_m_d_yyyy_dates_load():
    rows = classify(LEGACY, 65536)
    with LEGACY.open(newline="", encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    assert len(rows) == len(expected) == 3186
    assert all(r["reason"] is None and r["complaint_id"] is None for r in rows)
    assert [r["date_received"] for r in rows] == [e["Date received"] for e in expected]
    assert not any(r["consumer_disputed"].endswith("\r") for r in rows)


def test_compressed_copies_read_as_the_plain_file(tmp_path):
    gz = tmp_path / "cfpb-a.csv.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    zipped = tmp_path / "cfpb-b.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SAMPLE, "complaints.csv")
    plain = [(r["line_no"], r["record"]) for r in classify(SAMPLE)]
    assert [(r["line_no"], r["record"]) for r in classify(gz)] == plain
    assert [(r["line_no"], r["record"]) for r in classify(zipped)] == plain


def test_a_zip_must_hold_one_csv(tmp_path):
    zipped = tmp_path / "cfpb-two.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("a.csv", HEADER + "\n")
        archive.writestr("b.csv", HEADER + "\n")
    with pytest.raises(OSError, match="exactly one .csv file; this one holds a.csv, b.csv"):
        classify(zipped)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (record(), None),
        (record(Complaint_ID=""), "missing_field:complaint_id"),
        (record(Complaint_ID="33x"), "invalid_complaint_id"),
        (record(**{"Date received": "2019-13-01"}), "invalid_date:date_received"),
        (record(**{"Date received": ""}), "missing_field:date_received"),
        (record(**{"Date received": "1999-12-31"}), "implausible_date:date_received"),
        (record(**{"Date sent to company": "24/09/2019"}), "invalid_date:date_sent_to_company"),
        (record(**{"Date sent to company": ""}), None),
        (record(Company="  "), "missing_field:company"),
        (record(**{"Company response to consumer": "Closed with a smile"}), "unknown_company_response"),
        (record(**{"Company response to consumer": ""}), "missing_field:company_response_to_consumer"),
        (record(**{"Timely response?": "Maybe"}), "invalid_timely_response"),
        (record(**{"Consumer disputed?": "Perhaps"}), "invalid_consumer_disputed"),
        (record() + ",extra", "wrong_column_count"),
        (record().replace("Debt collection", 'Debt "collection"'), "malformed_csv"),
        ('"unterminated,' + record(), "malformed_csv"),
    ],
)
def test_each_reason(tmp_path, line, reason):
    rows = classify(write(tmp_path, HEADER + "\n" + line + "\n"))
    assert [r["reason"] for r in rows] == [reason]


def test_blank_lines_count_as_blank_and_later_lines_keep_their_numbers(tmp_path):
    narrative = "line one\nline two\r\nline three"
    text = (
        HEADER
        + "\r\n"
        + record(Complaint_ID="1")
        + "\r\n\r\n"
        + record(Complaint_ID="2", **{"Consumer complaint narrative": narrative})
        + "\r\n"
        + record(Complaint_ID="3")
        + "\r\n"
    )
    rows = classify(write(tmp_path, text), chunk_bytes=64)
    assert [(r["line_no"], r["is_blank"], r["complaint_id"]) for r in rows] == [
        (2, False, "1"),
        (3, True, None),
        (4, False, "2"),
        (7, False, "3"),
    ]
    assert rows[2]["consumer_complaint_narrative"] == narrative


def test_header_by_name_in_any_order_and_snake_case(tmp_path):
    text = (
        "company,date_received,product,issue,state,date_sent_to_company,company_response,timely,complaint_id,"
        "whatever\n"
        "ACME,2020-01-02,Mortgage,Trouble,NY,2020-01-03,Closed,No,7,x\n"
    )
    (row,) = classify(write(tmp_path, text))
    assert (row["reason"], row["company"], row["timely_response"], row["complaint_id"]) == (None, "ACME", "No", "7")
    notes: list[str] = []
    with duckdb.connect() as con:
        sql_functions.register(con)
        list(
            cfpb.classify_file(
                con, read_chunks(write(tmp_path, text)), "x", complaints.plausible_range_params(NOW), notes
            )
        )
    assert notes == ["ignored unknown column(s): whatever"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "no CFPB header line"),
        ("Date received,Company,Product\n", r"line 1: the header lacks column\(s\) issue, state, date_sent"),
        ("Date received,Company,Company,Product\n", r"names column\(s\) company more than once"),
    ],
)
def test_a_file_without_a_usable_header_fails_whole(tmp_path, text, message):
    with pytest.raises(cfpb.CfpbFileError, match=message):
        classify(write(tmp_path, text))


def test_an_open_quote_never_holds_more_than_a_record_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(cfpb, "MAX_RECORD_BYTES", 200)
    lines = [record(Complaint_ID=str(n)) for n in range(1, 40)]
    lines[2] = '"' + lines[2]
    rows = classify(write(tmp_path, HEADER + "\n" + "\n".join(lines) + "\n"), chunk_bytes=256)
    # the open record is cut at the limit and quarantined; records after it load
    assert rows[2]["reason"] == "malformed_csv" and rows[2]["line_no"] == 4
    assert rows[-1]["reason"] is None and rows[-1]["complaint_id"] == "39"
    assert sum(r["record"].count("\n") + 1 for r in rows) == len(lines)


def test_fixture_copies_are_the_shared_extracts():
    """The fixtures are byte copies of the published extracts (docs/spec.md)."""
    import hashlib

    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest().startswith("a028baae3230")
    assert hashlib.sha256(LEGACY.read_bytes()).hexdigest().startswith("781f446fa86a")


def test_the_2026_layout_without_consent_and_dispute_columns_loads(tmp_path):
    """16 columns: the export of 2026 drops `Consumer consent provided?` and
    `Consumer disputed?`; both come out null (unknown), the rest as written."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        handle.readline(), handle.readline()
        records = list(csv.DictReader(handle))[:200]
    dropped = ("Consumer consent provided?", "Consumer disputed?")
    out = io.StringIO()
    writer = csv.DictWriter(out, [name for name in records[0] if name not in dropped], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: v for k, v in record.items() if k not in dropped} for record in records)
    rows = classify(write(tmp_path, out.getvalue()))
    assert [r["reason"] for r in rows] == [None] * 200
    assert {(r["consumer_consent_provided"], r["consumer_disputed"]) for r in rows} == {(None, None)}
    assert [r["consumer_complaint_narrative"] for r in rows] == [r["Consumer complaint narrative"] for r in records]
    assert [r["complaint_id"] for r in rows] == [r["Complaint ID"] for r in records]
