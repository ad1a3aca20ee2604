"""Landing files → raw tables and audit (orchestration/ingestion), without dbt."""

import datetime as dt
import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from spec_oracle import classify

from orchestration.ingestion import reader, run
from orchestration.ingestion.landing import FileKind, LandingFile
from orchestration.ingestion.run import ingest_landing
from orchestration.warehouse import row_group_merges
from orchestration.warehouse.connection import connect

VALID = {
    "complaint_id": "C1",
    "updated_at": "2024-03-02 10:00:00",
    "submitted_at": "2024-03-01 09:00:00",
    "platform": "分期乐",
    "domain": "金融科技",
    "status": "已移交",
    "transferred_at": "2024-03-01 10:00:00",
}


def line(**changes) -> bytes:
    record = {k: v for k, v in {**VALID, **changes}.items() if v is not ...}
    return json.dumps(record, ensure_ascii=False).encode()


# (line, the reason SPEC 3.1 gives it: first that applies; None = loaded)
CASES = [
    (line(), None),
    (
        line(
            amount="6,000.00元",
            replies=[{"replied_at": "2024-03-01T02:30:00Z", "author": "platform", "content": "好"}],
            evaluation={"score": 7.5, "evaluated_at": "2024-03-03 10:00:00"},
        ),
        None,
    ),
    (line(status="未审核", transferred_at=...), None),
    (line(evaluation=None, replies=None, amount=None), None),
    (b"\xe6\xb7\x98\xff", "encoding"),
    (b'{"complaint_id": "C1"', "invalid_json"),
    (b"[1]", "not_an_object"),
    (b"42", "not_an_object"),
    (line(complaint_id=...), "missing_field:complaint_id"),
    (line(complaint_id=" \u3000"), "missing_field:complaint_id"),
    (line(complaint_id=7), "missing_field:complaint_id"),
    (line(complaint_id="x" * 65), "missing_field:complaint_id"),
    (line(updated_at=None), "missing_field:updated_at"),
    (line(submitted_at=""), "missing_field:submitted_at"),
    (line(platform="\u3000"), "missing_field:platform"),
    (line(domain=...), "missing_field:domain"),
    (line(status=...), "missing_field:status"),
    (line(complaint_id=..., status="bogus"), "missing_field:complaint_id"),  # first reason wins
    (line(updated_at="2024-03-02"), "invalid_timestamp:updated_at"),
    (line(submitted_at=20240301), "invalid_timestamp:submitted_at"),
    (line(transferred_at="yesterday"), "invalid_timestamp:transferred_at"),
    (line(status="处理中"), "invalid_status"),
    (line(status=3), "invalid_status"),
    (line(domain="金融"), "unknown_domain"),
    (line(amount="-1"), "invalid_amount"),
    (line(amount=True), "invalid_amount"),
    (line(evaluation={"score": 11}), "invalid_score"),
    (line(evaluation={"score": "8"}), "invalid_score"),
    # found by the property test: the cast must not fail the whole batch
    (line(evaluation={"score": ""}), "invalid_score"),
    (line(evaluation={"comment": "no score"}), "invalid_score"),
    (line(evaluation=[8]), "invalid_score"),
    (line(replies=[{"replied_at": "2024-03-02 10:00:00", "author": "bot", "content": "x"}]), "invalid_reply"),
    (line(replies=[{"author": "platform", "content": "x"}]), "invalid_reply"),
    (line(replies={"author": "platform"}), "invalid_reply"),
    (line(transferred_at=...), "missing_transferred_at"),
    (line(status="已评价", transferred_at=None), "missing_transferred_at"),
    (line(transferred_at="2024-03-01 08:59:59"), "transfer_before_submit"),
    (
        line(replies=[{"replied_at": "2024-03-01 09:59:59", "author": "platform", "content": ""}]),
        "reply_before_transfer",
    ),
    (line(replies=[{"replied_at": "2024-03-01 09:59:59", "author": "mediator", "content": "ok"}]), None),
    (line(replies=[]), None),
    (line(amount="１２３元"), "invalid_amount"),  # digits are ASCII digits
    (line(updated_at="２０２４-03-02 10:00:00"), "invalid_timestamp:updated_at"),
    (line(amount="1e400"), "invalid_amount"),
    # issue 14.8: RFC 8259, not DuckDB's lenient reader
    (line()[:-1] + b",}", "invalid_json"),
    (line(replies=[])[:-3] + b"[1,]}", "invalid_json"),
    (line()[:-1] + b', "industry": NaN}', "invalid_json"),
    (line()[:-1] + b', "amount": -Infinity}', "invalid_json"),
    (line()[:-1] + b', "user": {"age": inf}}', "invalid_json"),
    (b"NaN", "invalid_json"),
    (line()[:-1] + b', "x": [ -Infinity]}', "invalid_json"),
    (line()[:-1] + b', "x": [1,\tnan]}', "invalid_json"),
    (line()[:-1] + b', "x": [1 , \t ]}', "invalid_json"),
    (b" +iNf", "invalid_json"),
    (line()[:-1] + b', "status": "\xe6\x9c\xaa\xe5\xae\xa1\xe6\xa0\xb8"}', "invalid_json"),  # status twice
    (line()[:-1] + b', "user": {"name": "a", "name": "b"}}', "invalid_json"),
    (
        line()[:-1] + b', "replies": [{"replied_at": "2024-03-02 10:00:00", "author": "user", "author": "platform"}]}',
        "invalid_json",
    ),
    (line()[:-1] + b', "x": {"y": {"z": 1, "z": 2}}}', "invalid_json"),
    # a name repeated in each kind of object, a `{` in a text, nested objects
    (line()[:-1] + b', "evaluation": {"score": 5, "score": 6}}', "invalid_json"),
    (line()[:-1] + b', "x": 1, "x": 2}', "invalid_json"),
    (line(transferred_at=..., status="\u672a\u5ba1\u6838")[:-1] + b', "status": "x"}', "invalid_json"),
    (line(title="{")[:-1] + b', "user": {"a": 1, "a": 2}}', "invalid_json"),
    (
        line()[:-1] + b', "replies": [{"replied_at": "2024-03-02 10:00:00", "author": "user", "m": {"k": 1, "k": 2}}]}',
        "invalid_json",
    ),
    (line(title="{}{", user={"a": {"b": 1}}, replies=[{"replied_at": "2024-03-02 10:00:00", "author": "user"}]), None),
    (line(title="a NaN, or inf, ,} in text", content='[1,] {"a":1,}'), None),
    (line()[:-1] + b', "title": "\\ud800"}', "invalid_json"),
    # issue 14.2: timestamps outside the plausible range
    (
        line(submitted_at="0001-01-01 09:00:00", transferred_at=..., status="未审核"),
        "implausible_timestamp:submitted_at",
    ),
    (line(submitted_at="0224-03-01 09:00:00"), "implausible_timestamp:submitted_at"),
    (line(updated_at="9999-12-31T23:00:00-12:00"), "implausible_timestamp:updated_at"),
    (
        line(submitted_at="1999-12-31 23:59:59", transferred_at="2000-01-01 00:00:00"),
        "implausible_timestamp:submitted_at",
    ),
    (
        line(
            submitted_at="2000-01-01 00:00:00", transferred_at="2000-01-01 00:00:00", updated_at="2000-01-01 00:00:00"
        ),
        None,
    ),
    (line(transferred_at="2999-01-01 00:00:00"), "implausible_timestamp:transferred_at"),
    (line(updated_at="9999-99-99 00:00:00"), "invalid_timestamp:updated_at"),  # unparseable first
]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def ingest(tmp_path: Path, landing: Path):
    con = connect(tmp_path / "warehouse.duckdb")
    return con, ingest_landing(con, landing)


def test_every_quarantine_reason_agrees_with_spec_and_the_oracle(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(b"\n".join(raw for raw, _ in CASES) + b"\n")
    con, report = ingest(tmp_path, landing)
    got = dict(con.execute("SELECT line_no, reason FROM audit.quarantine").fetchall())
    loaded = {row[0] for row in con.execute("SELECT line_no FROM raw.complaints").fetchall()}
    for line_no, (raw, expected) in enumerate(CASES, start=1):
        assert got.get(line_no) == expected, (line_no, raw, got.get(line_no))
        assert (line_no in loaded) == (expected is None)
        assert classify(raw)[0] == expected, raw
    (outcome,) = report.files
    assert outcome.n_lines == len(CASES) == outcome.n_loaded + outcome.n_quarantined + outcome.n_blank


def test_quarantine_keeps_file_line_and_raw_text(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(b"ok?\n\xff\n")
    con, _ = ingest(tmp_path, landing)
    rows = con.execute(
        "SELECT source_file, line_no, reason, raw_line FROM audit.quarantine ORDER BY line_no"
    ).fetchall()
    assert rows == [("complaints-1.jsonl", 1, "invalid_json", "ok?"), ("complaints-1.jsonl", 2, "encoding", "\\xff")]


def test_bom_crlf_blank_lines_gzip_and_no_final_newline(tmp_path, landing):
    body = b"\r\n".join([line(complaint_id="A"), b"", b"\xe3\x80\x80 ", line(complaint_id="B")])
    (landing / "complaints-1.jsonl").write_bytes(b"\xef\xbb\xbf" + body)
    (landing / "complaints-2.jsonl.gz").write_bytes(gzip.compress(line(complaint_id="C") + b"\n"))
    con, report = ingest(tmp_path, landing)
    counts = con.execute(
        "SELECT source_file, n_lines, n_loaded, n_quarantined, n_blank FROM audit.ingested_files ORDER BY 1"
    ).fetchall()
    assert counts == [("complaints-1.jsonl", 4, 2, 0, 2), ("complaints-2.jsonl.gz", 1, 1, 0, 0)]
    ids = sorted(r[0] for r in con.execute("SELECT complaint_id FROM raw.complaints").fetchall())
    assert ids == ["A", "B", "C"]


def test_a_file_seen_before_is_skipped_and_a_copy_recorded_as_duplicate(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(line() + b"\n")
    con, first = ingest(tmp_path, landing)
    assert [f.status for f in first.files] == ["loaded"]
    (landing / "complaints-2.jsonl").write_bytes(line() + b"\n")
    second = ingest_landing(con, landing)
    assert [(f.source_file, f.status, f.duplicate_of) for f in second.files] == [
        ("complaints-2.jsonl", "duplicate", "complaints-1.jsonl")
    ]
    assert ingest_landing(con, landing).files == []
    assert con.execute("SELECT count(*) FROM raw.complaints").fetchall() == [(1,)]


def test_a_file_ingested_before_is_not_read_again_unless_its_size_or_mtime_changed(tmp_path, landing, monkeypatch):
    path = landing / "complaints-1.jsonl"
    path.write_bytes(line() + b"\n")
    con, _ = ingest(tmp_path, landing)
    hashed = []
    original = LandingFile.sha256
    monkeypatch.setattr(LandingFile, "sha256", lambda self: hashed.append(self.name) or original(self))
    assert ingest_landing(con, landing).files == [] and hashed == []
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same content
    assert ingest_landing(con, landing).files == [] and hashed == ["complaints-1.jsonl"]
    assert ingest_landing(con, landing).files == [] and hashed == ["complaints-1.jsonl"]  # remembered
    assert con.execute("SELECT size_bytes, mtime_ns FROM audit.ingested_files").fetchall() == [
        (stat.st_size, stat.st_mtime_ns + 10**9)
    ]


def test_two_new_copies_in_one_build_load_once(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(line() + b"\n")
    (landing / "complaints-2.jsonl").write_bytes(line() + b"\n")
    con, report = ingest(tmp_path, landing)
    assert [(f.status, f.duplicate_of) for f in report.files] == [("loaded", None), ("duplicate", "complaints-1.jsonl")]
    assert con.execute("SELECT count(*) FROM raw.complaints").fetchall() == [(1,)]


def test_a_changed_file_under_an_ingested_name_is_refused_not_recorded(tmp_path, landing):
    path = landing / "complaints-1.jsonl"
    path.write_bytes(line() + b"\n")
    con, _ = ingest(tmp_path, landing)
    before = path.stat().st_mtime_ns
    path.write_bytes(line(complaint_id="C2") + b"\n")
    # A rewrite shows in the mtime (or the size): make sure it does even when the
    # file system's clock has not ticked since the first write.
    os.utime(path, ns=(before + 10**9, before + 10**9))
    (report_file,) = ingest_landing(con, landing).files
    assert report_file.status == "failed" and "other content" in report_file.error
    assert con.execute("SELECT count(*) FROM audit.ingested_files").fetchall() == [(1,)]


def test_a_truncated_gzip_fails_alone_and_is_retried_once_fixed(tmp_path, landing):
    (landing / "complaints-1.jsonl.gz").write_bytes(gzip.compress(b"\n".join([line()] * 500))[:-30])
    (landing / "complaints-2.jsonl").write_bytes(line(complaint_id="OK") + b"\n")
    con, report = ingest(tmp_path, landing)
    assert {f.source_file: f.status for f in report.files} == {
        "complaints-1.jsonl.gz": "failed",
        "complaints-2.jsonl": "loaded",
    }
    assert con.execute("SELECT source_file FROM audit.ingested_files").fetchall() == [("complaints-2.jsonl",)]
    assert con.execute("SELECT count(*) FROM raw.complaints").fetchall() == [(1,)]
    (landing / "complaints-1.jsonl.gz").write_bytes(gzip.compress(line(complaint_id="FIXED") + b"\n"))
    assert [f.status for f in ingest_landing(con, landing).files] == ["loaded"]


def test_empty_and_blank_only_files_are_recorded_with_their_counts(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(b"")
    (landing / "complaints-2.jsonl").write_bytes(b"\n \n\xe3\x80\x80\n")
    con, report = ingest(tmp_path, landing)
    assert [(f.n_lines, f.n_loaded, f.n_quarantined, f.n_blank) for f in report.files] == [(0, 0, 0, 0), (3, 0, 0, 3)]
    assert con.execute("SELECT count(*) FROM audit.ingested_files").fetchall() == [(2,)]


def test_unknown_names_and_symlinks_are_ignored(tmp_path, landing):
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(line() + b"\n")
    (landing / "complaints-link.jsonl").symlink_to(outside)
    (landing / "notes.txt").write_text("hello")
    _, report = ingest(tmp_path, landing)
    assert report.files == [] and [(i.name, i.why.split(" (")[0]) for i in report.ignored] == [
        ("complaints-link.jsonl", "a symbolic link"),
        ("notes.txt", "name matches no landing pattern"),
    ]


def test_gbk_registry_with_bad_lines(tmp_path, landing):
    text = (
        "platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact\n"
        "分期乐,金融科技,消费金融,2019-05-01,,是\n\n"
        "坏日期,金融科技,,2024-02-30,,是\n少列,金融科技\n火星平台,火星,,,,是\n无售后,金融科技,,,,不知道\n"
    )
    (landing / "platforms-1.csv").write_bytes(text.encode("gbk"))
    con, report = ingest(tmp_path, landing)
    assert con.execute("SELECT platform, onboarded_at FROM raw.platforms").fetchall() == [("分期乐", "2019-05-01")]
    assert con.execute("SELECT line_no, reason FROM audit.quarantine ORDER BY 1").fetchall() == [
        (4, "invalid_date:onboarded_at"),
        (5, "wrong_column_count"),
        (6, "unknown_domain"),
        (7, "invalid_after_sales_contact"),
    ]
    (outcome,) = report.files
    assert (outcome.n_lines, outcome.n_loaded, outcome.n_quarantined, outcome.n_blank) == (6, 1, 4, 1)


def test_a_registry_missing_a_column_fails_as_a_whole(tmp_path, landing):
    (landing / "platforms-1.csv").write_text("platform,domain\n分期乐,金融科技\n", encoding="utf-8")
    con, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "failed" and "onboarded_at" in outcome.error
    assert con.execute("SELECT count(*) FROM audit.ingested_files").fetchall() == [(0,)]


def test_many_small_files_share_one_batch_but_stay_separately_audited(tmp_path, landing):
    for number in range(30):
        (landing / f"complaints-{number:02d}.jsonl").write_bytes(line(complaint_id=f"C{number}") + b"\n{bad\n")
    con, report = ingest(tmp_path, landing)
    assert len(report.files) == 30
    assert con.execute("SELECT DISTINCT n_lines, n_loaded, n_quarantined FROM audit.ingested_files").fetchall() == [
        (2, 1, 1)
    ]
    assert con.execute("SELECT count(DISTINCT source_file) FROM audit.quarantine").fetchall() == [(30,)]


def _one_file_per_batch_two_batches_per_transaction(landing: Path, monkeypatch, n_files: int) -> None:
    """Dumps of one good and one bad line each, each file a batch of its own
    (not large enough to stream), two batches to a transaction."""
    for number in range(n_files):
        (landing / f"complaints-{number}.jsonl").write_bytes(line(complaint_id=f"C{number}") + b"\n{bad\n")
    size = (landing / "complaints-0.jsonl").stat().st_size
    monkeypatch.setattr(run, "BATCH_BYTES", size + 1)
    monkeypatch.setattr(run, "TRANSACTION_BYTES", 2 * size)


def test_batches_share_a_transaction_and_every_file_keeps_its_own_lines(tmp_path, landing, monkeypatch):
    _one_file_per_batch_two_batches_per_transaction(landing, monkeypatch, n_files=5)
    transactions = []
    original = run._in_transaction
    monkeypatch.setattr(run, "_in_transaction", lambda con, work, *a: transactions.append(1) or original(con, work, *a))
    con, report = ingest(tmp_path, landing)
    assert len(transactions) == 3  # batches 0+1, 2+3, 4
    assert [(f.n_lines, f.n_loaded, f.n_quarantined) for f in report.files] == [(2, 1, 1)] * 5
    assert con.execute("SELECT source_file, complaint_id FROM raw.complaints ORDER BY 1").fetchall() == [
        (f"complaints-{number}.jsonl", f"C{number}") for number in range(5)
    ]
    assert con.execute("SELECT source_file, line_no FROM audit.quarantine ORDER BY 1").fetchall() == [
        (f"complaints-{number}.jsonl", 2) for number in range(5)
    ]


def test_a_transaction_that_fails_leaves_none_of_its_batches(tmp_path, landing, monkeypatch):
    _one_file_per_batch_two_batches_per_transaction(landing, monkeypatch, n_files=2)
    original = run._record

    def failing_record(con, outcomes, ingested_at):
        if len(outcomes) == 2:  # the transaction's two files
            raise OSError("disk full")
        original(con, outcomes, ingested_at)

    monkeypatch.setattr(run, "_record", failing_record)
    con = connect(tmp_path / "warehouse.duckdb")
    with pytest.raises(OSError, match="disk full"):
        ingest_landing(con, landing)
    for table in ("raw.complaints", "audit.quarantine", "audit.ingested_files"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]


def test_a_streamed_dump_commits_a_few_chunks_at_a_time_and_keeps_every_line(tmp_path, landing, monkeypatch):
    monkeypatch.setattr(run, "BATCH_BYTES", 1)  # the dump streams
    monkeypatch.setattr(run, "_CHUNKS_PER_TRANSACTION", 2)
    original_read_chunks = run.read_chunks
    monkeypatch.setattr(run, "read_chunks", lambda path, tally: original_read_chunks(path, chunk_bytes=1, tally=tally))
    body = b"".join(line(complaint_id=f"C{number}") + b"\n" for number in range(5)) + b"{bad\n"
    (landing / "complaints-1.jsonl").write_bytes(body)
    commits = []
    original = run._in_transaction
    monkeypatch.setattr(
        run, "_in_transaction", lambda con, work, *a, **k: commits.append(k) or original(con, work, *a, **k)
    )
    con, report = ingest(tmp_path, landing)
    chunk_commits = [k for k in commits if k.get("crash_point") == "ingest:chunk"]
    assert len(chunk_commits) == 3  # six one-line chunks, two to a transaction
    assert [(f.n_lines, f.n_loaded, f.n_quarantined) for f in report.files] == [(6, 5, 1)]
    assert con.execute("SELECT line_no, complaint_id FROM raw.complaints ORDER BY 1").fetchall() == [
        (number + 1, f"C{number}") for number in range(5)
    ]
    assert con.execute("SELECT line_no, reason FROM audit.quarantine").fetchall() == [(6, "invalid_json")]


def test_transaction_groups_hold_whole_batches_and_a_large_file_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "BATCH_BYTES", 100)
    monkeypatch.setattr(run, "TRANSACTION_BYTES", 200)
    sizes = {"a": 60, "b": 30, "c": 60, "d": 60, "big": 500, "e": 90, "f": 90, "g": 30}
    files = []
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
        landing_file = LandingFile(tmp_path / name, FileKind.COMPLAINTS)
        files.append((landing_file, run.triage(landing_file, None)[0]))
    batches = list(run._batches(files))
    groups = [[[f.path.name for f, _ in batch] for batch in group] for group in run._transaction_groups(batches)]
    assert groups == [[["a", "b"], ["c"]], [["d"]], [["big"]], [["e"], ["f"]], [["g"]]]


def test_a_file_gone_after_the_scan_fails_alone_and_the_others_load(tmp_path, landing, monkeypatch):
    (landing / "complaints-1.jsonl").write_bytes(line(complaint_id="KEPT") + b"\n")
    (landing / "complaints-2.jsonl").write_bytes(line(complaint_id="GONE") + b"\n")
    load_pending = run._load_pending

    def load_after_a_deletion(con, pending, *args):
        (landing / "complaints-2.jsonl").unlink()
        return load_pending(con, pending, *args)

    monkeypatch.setattr(run, "_load_pending", load_after_a_deletion)
    con, report = ingest(tmp_path, landing)
    assert [(f.source_file, f.status) for f in report.files] == [
        ("complaints-1.jsonl", "loaded"),
        ("complaints-2.jsonl", "failed"),
    ]
    assert "cannot read" in report.files[1].error
    assert con.execute("SELECT complaint_id FROM raw.complaints").fetchall() == [("KEPT",)]
    assert con.execute("SELECT source_file FROM audit.ingested_files").fetchall() == [("complaints-1.jsonl",)]


def test_a_5_mb_single_line_is_loaded_or_quarantined_whole(tmp_path, landing):
    big_content = "投诉" * (5 * 1024 * 1024 // 6)  # 3 bytes a character: about 5 MB
    good = line(complaint_id="BIG", content=big_content)
    bad = b'{"complaint_id": "BIG2", "content": "' + b"x" * (5 * 1024 * 1024) + b'"'  # never closed
    assert len(good) > 5_000_000 and len(bad) > 5_000_000
    (landing / "complaints-1.jsonl").write_bytes(good + b"\n" + bad + b"\n" + line(complaint_id="AFTER"))
    con, report = ingest(tmp_path, landing)
    assert con.execute("SELECT complaint_id, length(content) FROM raw.complaints ORDER BY line_no").fetchall() == [
        ("BIG", len(big_content)),
        ("AFTER", None),
    ]
    assert con.execute("SELECT line_no, reason, length(raw_line) FROM audit.quarantine").fetchall() == [
        (2, "invalid_json", len(bad))
    ]
    (outcome,) = report.files
    assert (outcome.n_lines, outcome.n_loaded, outcome.n_quarantined) == (3, 2, 1)


def test_a_complaint_dump_in_gbk_quarantines_its_non_utf8_lines(tmp_path, landing):
    # A line written with \\u escapes is plain ASCII, the same bytes in GBK and UTF-8.
    ascii_only = json.dumps({**VALID, "complaint_id": "ASCII-ONLY"}, ensure_ascii=True).encode("ascii")
    lines = [ascii_only, line(complaint_id="中文"), line(complaint_id="C3", title="退款问题")]
    (landing / "complaints-1.jsonl").write_bytes(b"\n".join(raw.decode("utf-8").encode("gbk") for raw in lines) + b"\n")
    con, report = ingest(tmp_path, landing)
    assert con.execute("SELECT complaint_id FROM raw.complaints").fetchall() == [("ASCII-ONLY",)]
    assert con.execute("SELECT line_no, reason FROM audit.quarantine ORDER BY 1").fetchall() == [
        (2, "encoding"),
        (3, "encoding"),
    ]
    (outcome,) = report.files
    assert outcome.n_lines == 3 == outcome.n_loaded + outcome.n_quarantined


def test_a_registry_with_an_unknown_column_loads_and_reports_it(tmp_path, landing):
    text = (
        "platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact,hotline\n"
        "分期乐,金融科技,消费金融,2019-05-01,,是,95188\n坏日期,金融科技,,2024-13-01,,是,1\n"
    )
    (landing / "platforms-1.csv").write_text(text, encoding="utf-8")
    con, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "loaded" and any("hotline" in note for note in outcome.notes)
    assert con.execute("SELECT platform FROM raw.platforms").fetchall() == [("分期乐",)]
    assert con.execute("SELECT line_no, reason FROM audit.quarantine").fetchall() == [(3, "invalid_date:onboarded_at")]


def test_one_complaint_id_on_two_platforms_is_one_complaint(tmp_path, landing):
    """Decision (README): complaint_id identifies a complaint; a later state
    naming another platform re-targets it. Both lines load; the current state
    (latest updated_at) decides the platform."""
    (landing / "complaints-1.jsonl").write_bytes(
        line(complaint_id="SAME", platform="甲平台")
        + b"\n"
        + line(complaint_id="SAME", platform="乙平台", updated_at="2024-03-05 10:00:00")
        + b"\n"
    )
    con, report = ingest(tmp_path, landing)
    assert con.execute("SELECT platform FROM raw.complaints ORDER BY line_no").fetchall() == [("甲平台",), ("乙平台",)]
    assert report.files[0].n_quarantined == 0


def _vacuum_tasks(con) -> int:
    return int(con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0][0])


def test_each_run_merges_row_groups_on_its_schedule_and_ends_in_a_checkpoint(tmp_path, landing, monkeypatch):
    """Row-group merges (orchestration/warehouse/row_group_merges.py) are off
    for the whole of an ordinary run and on for the whole of a run that is
    due, or whose load is large; either way the run ends in a checkpoint and
    the connection's own limit comes back. The effect at 10M is measured by
    `make bench-large`, the wiring here."""
    monkeypatch.setattr(run, "BATCH_BYTES", 1)  # one file per batch
    monkeypatch.setattr(row_group_merges, "MERGE_PERIOD", 2)
    con = connect(tmp_path / "warehouse.duckdb")
    con.execute("SET max_vacuum_tasks = 7")
    limits = []
    original = run._load_complaint_group
    monkeypatch.setattr(
        run, "_load_complaint_group", lambda con, *args: limits.append(_vacuum_tasks(con)) or original(con, *args)
    )
    wal = tmp_path / "warehouse.duckdb.wal"
    merged = []
    for number in range(3):
        for part in range(2):
            (landing / f"complaints-{number}-{part}.jsonl").write_bytes(line(complaint_id=f"C{number}{part}") + b"\n")
        limits.clear()
        ingest_landing(con, landing)
        assert len(limits) == 2 and len(set(limits)) == 1 and _vacuum_tasks(con) == 7
        merged.append(limits[0] == row_group_merges.ALL_MERGES)
        assert limits[0] in (row_group_merges.ALL_MERGES, row_group_merges.NO_MERGES)
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed
    assert merged == [False, True, False]  # the second of every two runs

    monkeypatch.setattr(row_group_merges, "MERGE_PERIOD", 100)
    monkeypatch.setattr(row_group_merges, "LARGE_LOAD_BYTES", 1)
    (landing / "complaints-large.jsonl").write_bytes(line(complaint_id="L") + b"\n")
    limits.clear()
    ingest_landing(con, landing)  # not due, but large
    assert limits == [row_group_merges.ALL_MERGES]

    with pytest.raises(OSError, match="disk full"):
        with run.row_group_merges_of_the_run(con, dt.datetime.now(dt.UTC), []):
            raise OSError("disk full")
    assert _vacuum_tasks(con) == 7


def test_a_streamed_file_that_repeats_or_fails_leaves_no_rows(tmp_path, landing, monkeypatch):
    """A large file commits chunk by chunk, its ledger row last (run._stream_file):
    a duplicate, known only once the whole file is hashed, and a file that
    cannot be read to its end have their committed rows deleted again, and
    nothing stays in progress."""
    monkeypatch.setattr(run, "BATCH_BYTES", 1)  # every dump streams
    body = b"".join(line(complaint_id=f"C{number}") + b"\n" for number in range(5))
    (landing / "complaints-1.jsonl").write_bytes(body)
    (landing / "complaints-2.jsonl").write_bytes(body)  # the same bytes
    (landing / "complaints-3.jsonl.gz").write_bytes(gzip.compress(body)[:-8])  # truncated
    con, report = ingest(tmp_path, landing)
    assert {f.source_file: f.status for f in report.files} == {
        "complaints-1.jsonl": "loaded",
        "complaints-2.jsonl": "duplicate",
        "complaints-3.jsonl.gz": "failed",
    }
    assert con.execute("SELECT source_file, count(*) FROM raw.complaints GROUP BY ALL").fetchall() == [
        ("complaints-1.jsonl", 5)
    ]
    assert con.execute("SELECT count(*) FROM audit.files_in_progress").fetchall() == [(0,)]


# ----------------------------------------------------------------------------- issue 14: hostile landing zones


def test_an_empty_registry_is_no_duplicate_of_an_empty_dump_and_fails_alone(tmp_path, landing):
    (landing / "complaints-1.jsonl").write_bytes(b"")
    (landing / "platforms-1.csv").write_bytes(b"")
    con, report = ingest(tmp_path, landing)
    assert {f.source_file: f.status for f in report.files} == {
        "complaints-1.jsonl": "loaded",
        "platforms-1.csv": "failed",
    }
    assert "no header" in report.files[1].error
    # the real registry under that name then loads
    (landing / "platforms-1.csv").write_text(
        "platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact\n分期乐,金融科技,,,,是\n"
    )
    assert [(f.source_file, f.status) for f in ingest_landing(con, landing).files] == [("platforms-1.csv", "loaded")]
    # and a second empty dump is a duplicate of the first, not of anything else
    (landing / "complaints-2.jsonl").write_bytes(b"")
    assert [(f.status, f.duplicate_of) for f in ingest_landing(con, landing).files] == [
        ("duplicate", "complaints-1.jsonl")
    ]


def test_the_ledger_records_the_bytes_that_were_loaded_and_a_file_growing_meanwhile_is_postponed(
    tmp_path, landing, monkeypatch
):
    path = landing / "complaints-1.jsonl"
    path.write_bytes(line(complaint_id="A") + b"\n")
    real_split = reader._split_lines

    def appended_while_read(handle, chunk_bytes):
        yield from real_split(handle, chunk_bytes)
        with path.open("ab") as more:  # the sender is still writing
            more.write(line(complaint_id="B") + b"\n")

    monkeypatch.setattr(reader, "_split_lines", appended_while_read)
    con, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "postponed" and "changed while it was being read" in outcome.error
    assert con.execute("SELECT count(*) FROM audit.ingested_files").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM raw.complaints").fetchall() == [(0,)]
    monkeypatch.setattr(reader, "_split_lines", real_split)
    (outcome,) = ingest_landing(con, landing).files  # complete now: loaded whole, hash of all of it
    assert (outcome.status, outcome.n_loaded) == ("loaded", 2)
    assert con.execute("SELECT sha256, size_bytes FROM audit.ingested_files").fetchall() == [
        (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
    ]
    assert ingest_landing(con, landing).files == []


def test_an_empty_gzip_is_unreadable_not_recorded_and_retried(tmp_path, landing):
    (landing / "complaints-1.jsonl.gz").write_bytes(b"")
    con, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "failed" and "gzip" in outcome.error
    assert con.execute("SELECT count(*) FROM audit.ingested_files").fetchall() == [(0,)]
    (landing / "complaints-1.jsonl.gz").write_bytes(gzip.compress(line() + b"\n"))
    assert [(f.status, f.n_loaded) for f in ingest_landing(con, landing).files] == [("loaded", 1)]


def test_a_file_name_that_is_not_utf8_fails_alone_and_is_named_escaped(tmp_path, landing):
    bad_name = os.fsdecode(b"complaints-\xff.jsonl")
    (landing / bad_name).write_bytes(line(complaint_id="X") + b"\n")
    (landing / "complaints-2.jsonl").write_bytes(line(complaint_id="Y") + b"\n")
    con, report = ingest(tmp_path, landing)
    assert [(f.source_file, f.status) for f in report.files] == [
        ("complaints-2.jsonl", "loaded"),
        ("complaints-\\xff.jsonl", "failed"),
    ]
    assert "not valid UTF-8" in report.files[1].error
    assert con.execute("SELECT complaint_id FROM raw.complaints").fetchall() == [("Y",)]


def test_registry_quarantine_keeps_the_whole_record_when_a_field_holds_a_line_separator(tmp_path, landing):
    record = "坏,金融科技,a\u2028b\x0cc\x85d,2024-13-01,,是"
    (landing / "platforms-1.csv").write_text(
        "platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact\r\n" + record + "\r\n"
        "好,金融科技,,0000-01-01,,是\r\n",
        encoding="utf-8",
    )
    con, _ = ingest(tmp_path, landing)
    assert con.execute("SELECT line_no, reason, raw_line FROM audit.quarantine ORDER BY 1").fetchall() == [
        (2, "invalid_date:onboarded_at", record),
        (3, "invalid_date:onboarded_at", "好,金融科技,,0000-01-01,,是"),
    ]


def test_a_registry_in_neither_encoding_names_its_first_bad_line(tmp_path, landing):
    header = b"platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact\n"
    (landing / "platforms-1.csv").write_bytes(header + "好,金融科技,,,,是\n".encode() + b"\xff\xff,x\n")
    _, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "failed" and "not UTF-8 from line 3" in outcome.error


def test_a_registry_naming_a_column_twice_fails_as_a_whole(tmp_path, landing):
    (landing / "platforms-1.csv").write_text(
        "platform,domain,domain,industry,onboarded_at,offboarded_at,after_sales_contact\n分期乐,金融科技,其他,,,,是\n",
        encoding="utf-8",
    )
    con, report = ingest(tmp_path, landing)
    (outcome,) = report.files
    assert outcome.status == "failed" and "domain more than once" in outcome.error
    assert con.execute("SELECT count(*) FROM raw.platforms").fetchall() == [(0,)]
