"""Stream a landing file as decoded text chunks of whole lines.

Validation and splitting run in Arrow on large chunks, with no Python object per
line; only a chunk that holds invalid UTF-8 takes the slow path, which finds the
offending lines by byte offset. Lines are
numbered from 1 as physical lines (split on LF), so `sed -n Np` on the landed file
shows the line an auditor is looking for.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_BYTES = 32 << 20
# Rows per Arrow record batch handed to DuckDB (see for_duckdb).
ARROW_BATCH_ROWS = 8192
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
        table = pa.table(
            {
                "source_file": pc.fill_null(pa.nulls(n, pa.string()), source_file),
                "line_no": line_no,
                "line": self.lines,
                "encoding_error": bad,
            }
        )
        return for_duckdb(table)

    @classmethod
    def empty(cls) -> LineChunk:
        return cls(1, pa.array([], pa.large_string()))


def for_duckdb(table: pa.Table) -> pa.Table:
    """The same rows in record batches of at most ARROW_BATCH_ROWS (slices, no
    copy). DuckDB scans an Arrow table one record batch per thread, so a chunk
    built as one batch was validated on one core: the 10M benchmark's next-day
    file (295k lines, six chunks) took 4.4 s on two cores, and 2.4 s in batches."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=ARROW_BATCH_ROWS), table.schema)


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterable[T]) -> Iterator[T]:
    """`items` in order, each next one produced in a thread while the caller
    works on this one. Reading (hashing, UTF-8 checks, splitting into lines)
    runs on one core, and DuckDB, validating what was read before, would leave
    the other idle meanwhile: the 10M benchmark's dumps took 448 s to ingest
    without, 403 s with (docs/benchmarks.md). Only the iteration runs in the
    thread; an error it raises reaches the caller in the item's place."""
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tousu-read") as reader:
        ahead = reader.submit(next, iterator, _END)
        while (item := ahead.result()) is not _END:
            ahead = reader.submit(next, iterator, _END)
            yield item


class FileChanged(OSError):
    """The file changed while it was being read: it is left for a later build."""


@dataclass
class ByteTally:
    """The bytes of the landed file that one read went through: their sha256 and
    count, so the ledger records exactly what was loaded, and the file's state
    before and after the read, so a file still being written is noticed."""

    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    n_bytes: int = 0

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


class _TallyingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, tally: ByteTally):
        self._raw, self._tally = raw, tally

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._tally.digest.update(memoryview(buffer)[:n])
            self._tally.n_bytes += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _signature(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns


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


def read_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES, tally: ByteTally | None = None) -> Iterator[LineChunk]:
    """Yield the file's lines in chunks; a UTF-8 BOM at the very start is dropped.

    A final line without a newline is a line; the empty string after a final
    newline is not. Raises OSError/EOFError for an unreadable or truncated file
    (an empty `.gz` file is no gzip stream: truncated too), FileChanged when the
    file changed while it was read. `tally`, when given, is filled with the
    sha256 and size of exactly the bytes read (compressed ones for `.gz` and
    `.zip`). A `.zip` must hold exactly one `.csv` member, which is read.
    """
    tally = tally if tally is not None else ByteTally()
    with path.open("rb") as raw_file:
        before = _signature(os.fstat(raw_file.fileno()))
        buffered = io.BufferedReader(_TallyingReader(raw_file, tally), 1 << 20)
        if path.name.endswith(".zip"):
            yield from _zip_member_lines(raw_file, buffered, chunk_bytes)
        else:
            handle: BinaryIO = gzip.GzipFile(fileobj=buffered, mode="rb") if path.name.endswith(".gz") else buffered
            yield from _split_lines(handle, chunk_bytes)
        while buffered.read(1 << 20):  # bytes gzip left unread count too
            pass
        if path.name.endswith(".gz") and tally.n_bytes == 0:
            raise EOFError("empty file: a .gz file must hold a gzip stream")
        after = _signature(os.fstat(raw_file.fileno()))
    if after != before or tally.n_bytes != before[0] or _signature(path.stat()) != before:
        raise FileChanged(
            f"changed while it was being read ({before[0]:,} bytes before, {tally.n_bytes:,} read, {after[0]:,} after)"
        )


def _zip_member_lines(raw_file: BinaryIO, tallying: BinaryIO, chunk_bytes: int) -> Iterator[LineChunk]:
    """The lines of a zip's one CSV member. A zip is read from its end (the
    central directory), so the whole file is tallied first, in one pass,
    then opened again for the member."""
    while tallying.read(1 << 20):
        pass
    raw_file.seek(0)
    try:
        archive = zipfile.ZipFile(raw_file)
        members = [m for m in archive.infolist() if not m.is_dir()]
        csvs = [m for m in members if m.filename.lower().endswith(".csv")]
        if len(csvs) != 1 or len(members) != 1:
            names = ", ".join(m.filename for m in members) or "nothing"
            raise OSError(f"a zip must hold exactly one .csv file; this one holds {names}")
        with archive.open(csvs[0]) as member:
            yield from _split_lines(member, chunk_bytes)
        raw_file.seek(0, os.SEEK_END)  # every byte is tallied already
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise OSError(f"not a readable zip file: {error}") from None


def read_bytes(path: Path, tally: ByteTally) -> bytes:
    """The whole file (a registry: small), tallied like read_chunks."""
    with path.open("rb") as handle:
        before = _signature(os.fstat(handle.fileno()))
        data = handle.read()
    tally.digest.update(data)
    tally.n_bytes = len(data)
    if len(data) != before[0] or _signature(path.stat()) != before:
        raise FileChanged(f"changed while it was being read ({before[0]:,} bytes before, {len(data):,} read)")
    return data


def read_range(
    path: Path, start: int, end: int, signature: tuple[int, int], chunk_bytes: int = CHUNK_BYTES
) -> Iterator[LineChunk]:
    """The lines of an uncompressed file that start at a byte in [start, end),
    numbered from 1 within the range, as read_chunks reads them — so that
    ranges which tile a file yield, one after another, exactly its lines (a
    line crossing `end` belongs to the range it starts in; the BOM is dropped
    by the range at byte 0). `signature` is the file's (size, mtime_ns) when it
    was chosen for loading: FileChanged if it is not that any more."""
    with path.open("rb") as handle:
        if _signature(os.fstat(handle.fileno())) != signature:
            raise FileChanged("changed since this build looked at it")
        first, last = _line_start(handle, start, signature[0]), _line_start(handle, end, signature[0])
        handle.seek(first)
        yield from _split_lines(_Window(handle, last - first), chunk_bytes, at_start=first == 0)
        if _signature(os.fstat(handle.fileno())) != signature or _signature(path.stat()) != signature:
            raise FileChanged("changed while it was being read")


def file_sha256(path: Path, signature: tuple[int, int]) -> str:
    """The sha256 of the whole file, which must still have `signature` after."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if _signature(os.fstat(handle.fileno())) != signature or _signature(path.stat()) != signature:
            raise FileChanged("changed while it was being read")
    return digest


def _line_start(handle: BinaryIO, position: int, size: int) -> int:
    """Where the first line that starts at or after `position` starts."""
    if position <= 0 or position >= size:
        return max(0, min(position, size))
    handle.seek(position - 1)
    handle.readline()  # the rest of the line holding byte position - 1
    return handle.tell()


class _Window:
    """The next `n` bytes of a file."""

    def __init__(self, handle: BinaryIO, n: int):
        self._handle, self._left = handle, n

    def readinto(self, buffer: memoryview) -> int:
        n = self._handle.readinto(buffer[: self._left])
        self._left -= n
        return n


def _split_lines(handle: BinaryIO, chunk_bytes: int, at_start: bool = True) -> Iterator[LineChunk]:
    """`handle`'s lines in chunks of about `chunk_bytes`. Each chunk is read
    into a buffer of its own, which its Arrow array then uses as it is: each
    copy of the 1.7 GB of the 1M benchmark's dumps, with the fresh pages it
    touches, costs about half a second of one core. The buffer is allocated
    without being zeroed, so a small file touches only the pages it fills."""
    next_line_no = 1
    pending = b""
    while True:
        buffer = memoryview(np.empty(len(pending) + chunk_bytes, dtype=np.uint8))
        buffer[: len(pending)] = pending
        n_read = _fill(handle, buffer[len(pending) :])
        data = buffer[: len(pending) + n_read]
        if not n_read:
            if len(data):
                yield _chunk(data, next_line_no, at_start)
            return
        cut = _last_newline(data)
        if cut < 0:  # one line longer than a chunk: keep reading
            pending = bytes(data)
            continue
        pending = bytes(data[cut + 1 :])
        chunk = _chunk(data[:cut], next_line_no, at_start)
        at_start = False
        next_line_no += len(chunk.lines)
        yield chunk


def _last_newline(data: memoryview) -> int:
    """The index of `data`'s last LF, -1 if it has none; searched from the end
    in windows, since the last line is short next to a chunk."""
    array = np.frombuffer(data, dtype=np.uint8)
    end = len(array)
    while end > 0:
        start = max(0, end - (1 << 16))
        hits = np.flatnonzero(array[start:end] == 0x0A)
        if hits.size:
            return start + int(hits[-1])
        end = start
    return -1


def _fill(handle: BinaryIO, buffer: memoryview) -> int:
    """Read until `buffer` is full or the stream ends; the bytes read."""
    filled = 0
    while filled < len(buffer):
        n = handle.readinto(buffer[filled:])
        if not n:
            break
        filled += n
    return filled


def _chunk(data: memoryview, first_line_no: int, at_start: bool) -> LineChunk:
    if at_start and data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        # Arrow's cast validates UTF-8 without making a Python string; the
        # array is the chunk's bytes, not a copy of them.
        text, bad = _one_value(data).cast(pa.large_string()), set()
    except pa.ArrowInvalid:
        decoded, bad = _decode_with_errors(bytes(data), first_line_no)
        text = pa.array([decoded], pa.large_string())
    return LineChunk(first_line_no, pc.split_pattern(text, "\n").flatten(), bad)


def _one_value(data: memoryview) -> pa.LargeBinaryArray:
    """An Arrow array of one value, `data`, on `data`'s own memory."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
