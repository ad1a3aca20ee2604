"""CFPB Consumer Complaint Database exports (`cfpb-*.csv[.gz]`, `cfpb-*.zip`).

A CFPB export is RFC 4180 CSV whose narratives hold line breaks inside quoted
fields, so a record is not a physical line. Records are assembled from the
reader's physical lines with vectorised quote counting (a record goes on while
its count of `"` is odd), then split into fields and validated in SQL, with no
Python object per record. DuckDB's own CSV reader is not used because it
cannot say on which physical line a good record starts, and auditors trace
every number to a `file:line` (`sed -n Np` shows it). Every record keeps the
number of the physical line it starts on; the ledger counts records.

Columns are matched by header name (the 18-column export, the 2026 16-column
one without consent and dispute columns, the legacy 14-column one without
Complaint ID), in the export's Title Case or the API's snake_case. Lines before
the header (an archive tool's output pasted on top) are quarantined as
`not_csv_before_header`; a file with no header line among its first
MAX_PREAMBLE_LINES lines fails as a whole.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingestion.reader import LineChunk, for_duckdb
from orchestration.reference import cfpb_company_responses, sql_list

# raw.cfpb_complaints' value columns, in order, and the header names that mean
# each (compared after normalise_header: lower case, letters and digits only).
COLUMNS: dict[str, tuple[str, ...]] = {
    "complaint_id": ("Complaint ID",),
    "date_received": ("Date received",),
    "product": ("Product",),
    "sub_product": ("Sub-product",),
    "issue": ("Issue",),
    "sub_issue": ("Sub-issue",),
    "consumer_complaint_narrative": ("Consumer complaint narrative", "complaint_what_happened"),
    "company_public_response": ("Company public response",),
    "company": ("Company",),
    "state": ("State",),
    "zip_code": ("ZIP code",),
    "tags": ("Tags",),
    "consumer_consent_provided": ("Consumer consent provided?",),
    "submitted_via": ("Submitted via",),
    "date_sent_to_company": ("Date sent to company",),
    "company_response_to_consumer": ("Company response to consumer", "company_response"),
    "timely_response": ("Timely response?", "timely"),
    "consumer_disputed": ("Consumer disputed?",),
}
# Every layout has these; the others may be missing (then null).
REQUIRED = (
    "date_received",
    "product",
    "issue",
    "company",
    "state",
    "date_sent_to_company",
    "company_response_to_consumer",
    "timely_response",
)
MAX_PREAMBLE_LINES = 100
# A quoted field still open after this many bytes is taken to be an
# unterminated quote: the record ends there (and is quarantined as
# malformed_csv), so one stray quote cannot make a reader hold a whole file.
MAX_RECORD_BYTES = 8 << 20


class CfpbFileError(ValueError):
    """The file as a whole cannot be read as a CFPB export."""


def normalise_header(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


_BY_HEADER = {normalise_header(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


@dataclass(frozen=True)
class Header:
    line_no: int
    positions: dict[str, int]  # column -> 1-based field position
    width: int
    ignored: tuple[str, ...]


def parse_header(line: str, line_no: int) -> Header | None:
    """The header this line is, or None when it is not one (no Date received and Company)."""
    try:
        names = next(csv.reader([line.rstrip("\r")]))
    except (csv.Error, StopIteration):
        return None
    columns = [_BY_HEADER.get(normalise_header(name)) for name in names]
    if "date_received" not in columns or "company" not in columns:
        return None
    doubled = sorted({c for c in columns if c is not None and columns.count(c) > 1})
    if doubled:
        raise CfpbFileError(f"line {line_no}: the header names column(s) {', '.join(doubled)} more than once")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CfpbFileError(f"line {line_no}: the header lacks column(s) {', '.join(missing)}")
    positions = {column: i + 1 for i, column in enumerate(columns) if column is not None}
    ignored = tuple(name for name, column in zip(names, columns, strict=True) if column is None)
    return Header(line_no, positions, len(names), ignored)


# What records() yields: one row per record (or per line before the header).
RECORD_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("record", pa.large_string()),
        ("encoding_error", pa.bool_()),
        ("before_header", pa.bool_()),
    ]
)


def _table(source_file: str, line_no, record, encoding_error, before_header: bool) -> pa.Table:
    n = len(line_no)
    table = pa.table(
        {
            "source_file": pc.fill_null(pa.nulls(n, pa.string()), source_file),
            "line_no": pa.array(line_no, pa.int64()),
            "record": pa.array(record, pa.large_string()),
            "encoding_error": pa.array(encoding_error, pa.bool_()),
            "before_header": pa.array(np.full(n, before_header), pa.bool_()),
        },
        schema=RECORD_SCHEMA,
    )
    return for_duckdb(table)


class _Lines:
    """A run of physical lines as arrays (line text, number, encoding flag)."""

    def __init__(self, text: pa.Array, line_no: np.ndarray, bad: np.ndarray):
        self.text, self.line_no, self.bad = text, line_no, bad

    @classmethod
    def of(cls, chunk: LineChunk) -> _Lines:
        n = len(chunk.lines)
        line_no = np.arange(chunk.first_line_no, chunk.first_line_no + n, dtype=np.int64)
        bad = np.isin(line_no, np.fromiter(chunk.encoding_errors, np.int64, len(chunk.encoding_errors)))
        return cls(chunk.lines, line_no, bad)

    def __len__(self) -> int:
        return len(self.line_no)

    def slice(self, start: int, stop: int | None = None) -> _Lines:
        stop = len(self) if stop is None else stop
        return _Lines(self.text.slice(start, stop - start), self.line_no[start:stop], self.bad[start:stop])

    def then(self, other: _Lines) -> _Lines:
        if not len(self):
            return other
        return _Lines(
            pa.concat_arrays([self.text, other.text]),
            np.concatenate([self.line_no, other.line_no]),
            np.concatenate([self.bad, other.bad]),
        )

    def n_bytes(self) -> int:
        return int(pc.sum(pc.binary_length(self.text)).as_py() or 0)


def records(chunks: Iterator[LineChunk], source_file: str) -> tuple[Header, Iterator[pa.Table]]:
    """The file's header and its records, in tables of RECORD_SCHEMA.

    Raises CfpbFileError when no header line starts the file's first
    MAX_PREAMBLE_LINES lines. Reading the header reads the first chunk."""
    chunks = iter(chunks)
    lines = _Lines(pa.array([], pa.large_string()), np.array([], np.int64), np.array([], bool))
    header = None
    for chunk in chunks:
        lines = lines.then(_Lines.of(chunk))
        header, at = _find_header(lines)
        if header is not None or len(lines) >= MAX_PREAMBLE_LINES:
            break
    if header is None:
        raise CfpbFileError(
            f"no CFPB header line (naming at least `Date received` and `Company`) "
            f"in the first {MAX_PREAMBLE_LINES} lines"
        )

    def tables() -> Iterator[pa.Table]:
        if at:
            before = lines.slice(0, at)
            yield _table(source_file, before.line_no, before.text, before.bad, True)
        carried = lines.slice(at + 1)
        for chunk in chunks:
            complete, carried = _split_records(carried.then(_Lines.of(chunk)), final=False)
            if len(complete):
                yield _records_table(source_file, complete)
        complete, _ = _split_records(carried, final=True)
        if len(complete):
            yield _records_table(source_file, complete)

    return header, tables()


def _find_header(lines: _Lines) -> tuple[Header | None, int]:
    texts = lines.text.slice(0, MAX_PREAMBLE_LINES).to_pylist()  # at most 100 short lines
    for index, text in enumerate(texts):
        header = parse_header(text, int(lines.line_no[index]))
        if header is not None:
            return header, index
    return None, 0


def _quote_counts(lines: _Lines) -> np.ndarray:
    return pc.count_substring(lines.text, '"').to_numpy(zero_copy_only=False).astype(np.int64)


def _split_records(lines: _Lines, final: bool) -> tuple[_Assembled, _Lines]:
    """The complete records of `lines`, and the lines of a record still open
    at its end, which goes on in the next chunk (none when `final`). A line
    starts a record when the quotes before it, from the first line (always a
    record's start) on, are even in number."""
    if not len(lines):
        return _Assembled.empty(), lines
    quotes = _quote_counts(lines)
    through = np.cumsum(quotes)
    starts = (through - quotes) % 2 == 0
    cut = len(lines)
    if not final and through[-1] % 2 == 1:
        cut = int(np.flatnonzero(starts)[-1])
        if lines.slice(cut).n_bytes() > MAX_RECORD_BYTES:
            cut = len(lines)  # give up on the open quote: the record ends here
    return _Assembled.of(lines.slice(0, cut), starts[:cut]), lines.slice(cut)


@dataclass
class _Assembled:
    line_no: np.ndarray
    record: pa.Array
    bad: np.ndarray

    def __len__(self) -> int:
        return len(self.line_no)

    @classmethod
    def empty(cls) -> _Assembled:
        return cls(np.array([], np.int64), pa.array([], pa.large_string()), np.array([], bool))

    @classmethod
    def of(cls, lines: _Lines, starts: np.ndarray) -> _Assembled:
        if not len(lines):
            return cls.empty()
        first = np.flatnonzero(starts)
        offsets = pa.array(np.append(first, len(lines)), pa.int64())
        grouped = pa.LargeListArray.from_arrays(offsets, lines.text)
        # The lines of a record joined by the line feeds that split them; a CR
        # of a CRLF line end stays inside a field, as a CSV reader keeps it,
        # and the record's own line end loses it.
        record = pc.replace_substring_regex(pc.binary_join(grouped, pa.scalar("\n", pa.large_string())), r"\r$", "")
        return cls(lines.line_no[first], record, np.logical_or.reduceat(lines.bad, first))


def _records_table(source_file: str, assembled: _Assembled) -> pa.Table:
    return _table(source_file, assembled.line_no, assembled.record, assembled.bad, False)


# One field: quoted (doubled quotes inside) or unquoted (no comma, no quote),
# each after a comma: matched against ',' || record, so that no match is empty.
# A record is well-formed when its fields, joined by commas, give it back: a
# stray quote makes the matches skip text.
FIELD_PATTERN = r',("(?:[^"]|"")*"|[^,"]*)'


def _value(header: Header, column: str) -> str:
    position = header.positions.get(column)
    return f"fields[{position}]" if position else "NULL::VARCHAR"


def _date(column: str) -> str:
    return f"try_strptime(trim({column}), ['%Y-%m-%d', '%m/%d/%Y'])"


def _date_reasons(column: str, required: bool) -> str:
    blank = f"WHEN tousu_is_blank({column}) THEN 'missing_field:{column}'" if required else ""
    present = f"NOT tousu_is_blank({column})"
    return f"""
        {blank}
        WHEN {present} AND {_date(column)} IS NULL THEN 'invalid_date:{column}'
        WHEN {present} AND NOT {_date(column)} BETWEEN $earliest_plausible AND $latest_plausible
            THEN 'implausible_date:{column}'"""


def classify_sql(header: Header) -> str:
    """Builds temp table `classified` from the records in `cfpb_records`.

    The reasons are checked in this order; a record is quarantined with the
    first that applies (docs/spec.md, "CFPB exports")."""
    values = ",\n        ".join(f"{_value(header, column)} AS {column}" for column in COLUMNS)
    keyed = "complaint_id" in header.positions
    id_reasons = (
        """
        WHEN tousu_is_blank(complaint_id) THEN 'missing_field:complaint_id'
        WHEN NOT regexp_full_match(trim(complaint_id), '[0-9]{1,18}') THEN 'invalid_complaint_id'"""
        if keyed
        else ""
    )
    return f"""
CREATE OR REPLACE TEMP TABLE classified AS
WITH split AS (
    SELECT *, regexp_extract_all(',' || record, $field_pattern, 1) AS raw_fields
    FROM cfpb_records
),
parsed AS (
    SELECT *,
        NOT before_header AND record = '' AS is_blank,
        -- the fields cover the record only when every quote is where CSV allows
        array_to_string(raw_fields, ',') = record AS well_formed,
        list_transform(
            raw_fields,
            lambda f: CASE WHEN starts_with(f, '"') THEN replace(f[2:-2], '""', '"') ELSE f END
        ) AS fields
    FROM split
),
valued AS (
    SELECT source_file, line_no, record, encoding_error, before_header, is_blank, well_formed,
        len(fields) AS n_fields,
        {values}
    FROM parsed
)
SELECT *,
    CASE
        WHEN is_blank THEN NULL
        WHEN before_header THEN 'not_csv_before_header'
        WHEN encoding_error THEN 'encoding'
        WHEN NOT well_formed THEN 'malformed_csv'
        WHEN n_fields <> {header.width} THEN 'wrong_column_count'{id_reasons}
        {_date_reasons("date_received", required=True)}
        {_date_reasons("date_sent_to_company", required=False)}
        WHEN tousu_is_blank(company) THEN 'missing_field:company'
        WHEN tousu_is_blank(company_response_to_consumer) THEN 'missing_field:company_response_to_consumer'
        WHEN trim(company_response_to_consumer) NOT IN {sql_list(cfpb_company_responses())}
            THEN 'unknown_company_response'
        WHEN NOT coalesce(trim(timely_response) IN ('Yes', 'No'), false) THEN 'invalid_timely_response'
        WHEN NOT coalesce(trim(consumer_disputed) IN ('Yes', 'No', 'N/A', ''), true)
            THEN 'invalid_consumer_disputed'
    END AS reason
FROM valued
"""


def classify_params(plausible: dict) -> dict:
    return {"field_pattern": FIELD_PATTERN, **plausible}


def classify_file(
    con, chunks: Iterator[LineChunk], source_file: str, plausible: dict, notes: list[str]
) -> Iterator[None]:
    """Classify a CFPB export's records into temp table `classified`, some at a
    time: yields each time `classified` holds the next of them (both engines
    move them on from there). `plausible` is the plausible date range of
    complaints.plausible_range_params; an ignored column is noted in `notes`."""
    header, tables = records(chunks, source_file)
    if header.ignored:
        notes.append(f"ignored unknown column(s): {', '.join(header.ignored)}")
    sql, params = classify_sql(header), classify_params(plausible)
    for table in tables:
        con.register("cfpb_records", table)
        con.execute(sql, params)
        con.unregister("cfpb_records")
        yield


# The loaded records of temp table `classified`, as raw.cfpb_complaints' rows
# (read on the scratch database that classifies, inserted into the warehouse).
LOADED_SQL = f"""
SELECT source_file, line_no, {", ".join(COLUMNS)}, $ingested_at AS ingested_at
FROM classified
WHERE reason IS NULL AND NOT is_blank
"""
