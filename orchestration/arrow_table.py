"""Aligned text of an Arrow table of any length (a trace lists up to a million
complaints): boards.format_table's layout, done by Arrow kernels instead of a
Python loop per cell. Kept out of boards.py, whose small tables do not pay for
importing Arrow (a sixth of `tousu board`'s time)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.boards import NUMERIC_CELL, display_width

# boards.NUMERIC_CELL in RE2, anchored: \d there is any decimal digit.
_NUMERIC_CELL_RE2 = "^(?:" + NUMERIC_CELL.replace(r"\d", r"\p{Nd}") + ")$"


def format_arrow_table(headers: tuple[str, ...], table: pa.Table) -> str:
    """`table` laid out as boards.format_table lays out the same rows: every
    column padded to one display width, right-aligned when all its cells are
    numbers, a NULL an empty cell, each value as Python's str() writes it."""
    padded = [_padded(_text(column), header) for column, header in zip(table.columns, headers, strict=True)]
    # Each line ends in a newline, so that the lines' data buffer is the text:
    # decoded at once, not a Python string per line joined.
    newline, nothing, gap = (pa.scalar(text, pa.large_string()) for text in ("\n", "", "  "))
    padded[-1] = pc.binary_join_element_wise(padded[-1], newline, nothing)
    lines = pc.binary_join_element_wise(*padded, gap)
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[[lines.offset, lines.offset + len(lines)]]
    return str(memoryview(data)[bounds[0] : bounds[1]], "utf-8").removesuffix("\n")


def _text(column: pa.ChunkedArray) -> pa.Array:
    """The column as text, NULL where the value is; a column that is neither
    text nor integers spelled by Python's str(), once per distinct value."""
    column = column.combine_chunks()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_integer(column.type):
        return pc.cast(column, pa.string())
    distinct = pc.unique(column)
    spelled = pa.array([None if value is None else str(value) for value in distinct.to_pylist()], pa.string())
    return pc.take(spelled, pc.index_in(column, value_set=distinct))


def _padded(column: pa.Array, header: str) -> pa.Array:
    """The header, a rule and the cells of one column, padded to one display
    width; NULL is an empty cell. Text with wide characters is measured once
    per distinct value."""
    numeric = len(column) > 0 and column.null_count == 0
    numeric = numeric and pc.all(pc.match_substring_regex(column, _NUMERIC_CELL_RE2)).as_py()
    if pc.all(pc.string_is_ascii(column)).as_py() in (True, None):  # None: no cell with text
        widths = pc.fill_null(pc.utf8_length(column), 0)
    else:
        distinct = pc.unique(column)
        distinct_widths = pa.array([0 if text is None else display_width(text) for text in distinct.to_pylist()])
        widths = pc.take(distinct_widths, pc.index_in(column, value_set=distinct))
    width = max(display_width(header), pc.max(widths).as_py() or 0)
    fills = pc.take(pa.array([" " * n for n in range(width + 1)]), pc.subtract(width, widths))
    ordered = (fills, column) if numeric else (column, fills)
    cells = pc.binary_join_element_wise(*ordered, "", null_handling="replace", null_replacement="")
    header_fill = " " * (width - display_width(header))
    head = header_fill + header if numeric else header + header_fill
    # 64-bit offsets: the joined lines of a million-row trace may pass 2 GB
    return pa.concat_arrays([pa.array([head, "-" * width], pa.large_string()), cells.cast(pa.large_string())])
