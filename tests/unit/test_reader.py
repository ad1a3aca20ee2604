"""Reading landing files into numbered lines (orchestration/ingestion/reader.py)."""

import gzip

import pytest

from orchestration.ingestion.reader import read_chunks


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
