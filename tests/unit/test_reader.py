"""Reading landing files into numbered lines (orchestration/ingestion/reader.py)."""

import gzip

import pytest

from orchestration.ingestion.reader import FileChanged, read_chunks, read_range


def lines_of(path, chunk_bytes=1 << 20):
    out, bad = [], set()
    for chunk in read_chunks(path, chunk_bytes):
        assert chunk.first_line_no == len(out) + 1
        out += chunk.lines.to_pylist()
        bad |= chunk.encoding_errors
    return out, bad


def test_bom_is_dropped_and_a_final_newline_ends_the_last_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\xef\xbb\xbfa\nb\n")
    assert lines_of(path) == (["a", "b"], set())


def test_last_line_without_newline_is_a_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\n\nb")
    assert lines_of(path) == (["a", "", "b"], set())


def test_crlf_keeps_the_cr_for_sql_to_strip(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\r\nb\r\n")
    assert lines_of(path)[0] == ["a\r", "b\r"]


def test_invalid_utf8_lines_are_found_and_escaped(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"ok\n\xff bad\nok \xe6\xb7\x98\nalso \xe6\xb7\n")
    lines, bad = lines_of(path)
    assert bad == {2, 4}
    assert lines[1] == "\\xff bad" and lines[2] == "ok 淘" and lines[3] == "also \\xe6\\xb7"


def test_gzip_and_lines_longer_than_a_chunk(tmp_path):
    long = b"x" * 5000
    path = tmp_path / "f.jsonl.gz"
    path.write_bytes(gzip.compress(b"a\n" + long + b"\n\xffz\nb"))
    lines, bad = lines_of(path, chunk_bytes=1024)
    assert lines == ["a", "x" * 5000, "\\xffz", "b"] and bad == {3}


def test_truncated_gzip_raises(tmp_path):
    path = tmp_path / "f.jsonl.gz"
    path.write_bytes(gzip.compress(b"a\n" * 1000)[:-20])
    with pytest.raises((EOFError, OSError)):
        lines_of(path)


# Bytes with every hazard a cut can land on: a BOM, CRLF, blank lines, a long
# line, multi-byte UTF-8, invalid bytes, and no final newline.
TILED = b'\xef\xbb\xbf{"a": 1}\r\n\n' + b"y" * 300 + b"\n\xe6\xb7\x98\xe5\xae\x9d\n\xff bad\n   \nok \xe6\xb7\nlast"


def range_lines(path, cuts, chunk_bytes=64):
    """Lines and bad line numbers of the ranges [cuts[i], cuts[i+1]), each
    numbered from 1 and shifted by the lines of the ranges before it."""
    signature = (path.stat().st_size, path.stat().st_mtime_ns)
    out, bad = [], set()
    for start, end in zip(cuts, cuts[1:], strict=False):
        offset = len(out)
        for chunk in read_range(path, start, end, signature, chunk_bytes):
            assert chunk.first_line_no == len(out) - offset + 1
            out += chunk.lines.to_pylist()
            bad |= {offset + line_no for line_no in chunk.encoding_errors}
    return out, bad


@pytest.mark.parametrize("content", [TILED, TILED + b"\n", b"", b"\n\n", b"one"])
def test_ranges_that_tile_a_file_read_exactly_its_lines(tmp_path, content):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    whole = lines_of(path)
    size = len(content)
    for cut in range(size + 1):  # one cut at every byte, and three pieces
        assert range_lines(path, [0, cut, size]) == whole, cut
        assert range_lines(path, [0, cut // 2, cut, size]) == whole, cut


def test_a_range_of_a_file_that_changed_is_postponed(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\nb\n")
    signature = (path.stat().st_size, path.stat().st_mtime_ns)
    path.write_bytes(b"a\nb\nc\n")
    with pytest.raises(FileChanged):
        list(read_range(path, 0, 2, signature))


def _pending(tmp_path, files: dict[str, int]):
    from orchestration.ingestion.landing import FileKind, LandingFile
    from orchestration.ingestion.run import triage

    pending = []
    for name, size in files.items():
        (tmp_path / name).write_bytes(b"x\n" * (size // 2))
        kind = FileKind.PLATFORMS if name.startswith("platforms") else FileKind.COMPLAINTS
        pending.append((LandingFile(tmp_path / name, kind), triage(LandingFile(tmp_path / name, kind), None)[0]))
    return pending


def test_small_files_share_tasks_and_a_large_dump_is_cut_into_ranges_and_hashed(tmp_path):
    from orchestration.ingestion.spark_run import WHOLE_FILE, plan_pieces

    pending = _pending(
        tmp_path,
        {"a.jsonl": 40, "b.jsonl": 40, "big.jsonl": 250, "big.jsonl.gz": 250, "platforms.csv": 250, "c.jsonl": 40},
    )
    pieces = plan_pieces(pending, limit=100)
    by_file = {}
    for piece in pieces:
        by_file.setdefault(piece.source_file, []).append(piece)
    assert pieces[0].task == pieces[1].task  # a and b together
    big = by_file["big.jsonl"]
    assert [(p.piece, p.start, p.end) for p in big] == [(0, 0, 100), (1, 100, 200), (2, 200, 250), (WHOLE_FILE, 0, 250)]
    assert len({p.task for p in big}) == 4 and not {p.task for p in big} & {pieces[0].task}
    # a gzip stream and a registry cannot be cut: one piece, the whole file
    for name in ("big.jsonl.gz", "platforms.csv"):
        assert [(p.piece, p.start, p.end) for p in by_file[name]] == [(0, 0, 250)]
    assert [p.task for p in pieces] == sorted(p.task for p in pieces)


def test_the_pieces_of_a_file_make_one_summary(tmp_path):
    from orchestration.ingestion.spark_run import WHOLE_FILE, merge_pieces

    def piece(number, outcome="read", error=None, sha256=None, n_lines=0, reasons="{}", notes="[]"):
        return dict(
            source_file="f",
            piece=number,
            outcome=outcome,
            error=error,
            sha256=sha256,
            n_lines=n_lines,
            n_loaded=n_lines,
            n_quarantined=0,
            n_blank=0,
            reasons=reasons,
            notes=notes,
        )

    merged = merge_pieces(
        [
            piece(1, n_lines=3, reasons='{"bad_json": 1}', notes='["n1"]'),
            piece(WHOLE_FILE, sha256="abc"),
            piece(0, n_lines=2, reasons='{"bad_json": 2, "x": 1}', notes='["n1", "n0"]'),
        ]
    )["f"]
    assert (merged["outcome"], merged["sha256"], merged["n_lines"]) == ("read", "abc", 5)
    assert merged["reasons"] == {"bad_json": 3, "x": 1} and merged["notes"] == ["n1", "n0"]
    failed = merge_pieces([piece(0, "postponed", "changed"), piece(1, "failed", "cannot read"), piece(WHOLE_FILE)])
    assert (failed["f"]["outcome"], failed["f"]["error"]) == ("failed", "cannot read")
