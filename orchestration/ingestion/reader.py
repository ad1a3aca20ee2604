"""Stream a landing file as decoded text chunks of whole lines.

Validation and splitting run in Arrow on large chunks, with no Python object per
line; only a chunk that holds invalid UTF-8 takes the slow path, which finds the
offending lines by byte offset. Lines are
numbered from 1 as physical lines (split on LF), so `sed -n Np` on the landed file
shows the line an auditor is looking for.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_BYTES = 32 << 20
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass
class LineChunk:
    """Consecutive lines of one file, starting at line number `first_line_no`."""

    first_line_no: int
    lines: pa.LargeStringArray
    encoding_errors: set[int] = field(default_factory=set)

    def to_arrow(self, source_file: str) -> pa.Table:
        n = len(self.lines)
        line_no = np.arange(self.first_line_no, self.first_line_no + n, dtype=np.int64)
        bad = np.zeros(n, dtype=bool)
        for line_no_bad in self.encoding_errors:
            bad[line_no_bad - self.first_line_no] = True
        return pa.table(
            {
                "source_file": pc.fill_null(pa.nulls(n, pa.string()), source_file),
                "line_no": line_no,
                "line": self.lines,
                "encoding_error": bad,
            }
        )

    @classmethod
    def empty(cls) -> LineChunk:
        return cls(1, pa.array([], pa.large_string()))


def open_binary(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _escape_undecodable(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()) - 0xDC00:02x}"


def _decode_with_errors(data: bytes, first_line_no: int) -> tuple[str, set[int]]:
    """Decode UTF-8 that holds invalid bytes: they come back as `\\xNN`, and the
    numbers of their lines."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad: set[int] = set()
    line_no, position = first_line_no, 0
    for match in _ESCAPED_BYTE.finditer(text):
        line_no += text.count("\n", position, match.start())
        position = match.start()
        bad.add(line_no)
    return _ESCAPED_BYTE.sub(_escape_undecodable, text), bad


def read_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[LineChunk]:
    """Yield the file's lines in chunks; a UTF-8 BOM at the very start is dropped.

    A final line without a newline is a line; the empty string after a final
    newline is not. Raises OSError/EOFError for an unreadable or truncated file.
    """
    next_line_no = 1
    pending = b""
    at_start = True
    with open_binary(path) as handle:
        while True:
            block = handle.read(chunk_bytes)
            data = pending + block
            if not block:
                if data:
                    yield _chunk(data, next_line_no, at_start)
                return
            cut = data.rfind(b"\n")
            if cut < 0:  # one line longer than a chunk: keep reading
                pending = data
                continue
            pending = data[cut + 1 :]
            chunk = _chunk(data[:cut], next_line_no, at_start)
            at_start = False
            next_line_no += len(chunk.lines)
            yield chunk


def _chunk(data: bytes, first_line_no: int, at_start: bool) -> LineChunk:
    if at_start and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        # Arrow's cast validates UTF-8 without making a Python string.
        text, bad = pa.array([data], pa.large_binary()).cast(pa.large_string()), set()
    except pa.ArrowInvalid:
        decoded, bad = _decode_with_errors(data, first_line_no)
        text = pa.array([decoded], pa.large_string())
    return LineChunk(first_line_no, pc.split_pattern(text, "\n").flatten(), bad)
