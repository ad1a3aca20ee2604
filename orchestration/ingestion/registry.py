"""Platform registry files (`platforms-*.csv`): UTF-8 (BOM tolerated) or GBK.

A registry is a few hundred rows, so it is parsed with the csv module; the line
rules themselves run in SQL like the complaint rules.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pyarrow as pa

from orchestration.reference import domains, sql_list

COLUMNS = (
    "platform",
    "domain",
    "industry",
    "onboarded_at",
    "offboarded_at",
    "after_sales_contact",
)


class RegistryFileError(ValueError):
    """The file as a whole cannot be read as a registry."""


# The csv module's record separators (and so its line numbers): CR LF, CR or
# LF, and nothing else. str.splitlines() would also split on U+2028, NEL or a
# form feed inside a field, so it is never used for registry text.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_of(data: bytes, offset: int) -> int:
    return len(_LINE_BREAK.findall(data[:offset].decode("latin-1"))) + 1


def decode(data: bytes) -> str:
    """UTF-8 first (its BOM dropped), else GB18030 (a superset of GBK)."""
    errors = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            errors.append(_line_of(data, error.start))
    raise RegistryFileError(
        f"neither UTF-8 nor GBK text: not UTF-8 from line {errors[0]}, not GBK from line {errors[1]}"
    )


def read_rows(data: bytes) -> tuple[pa.Table, list[str], int]:
    """Rows as text keyed by column with line numbers, the ignored columns, the header width.

    Columns are matched by header name, so their order is free; an unknown
    column is ignored (and reported), a missing one fails the file.
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise RegistryFileError("empty file: no header line") from None
    except csv.Error as error:
        raise RegistryFileError(f"header line: {error}") from None
    doubled = [name for name, count in Counter(header).items() if count > 1]
    if doubled:
        raise RegistryFileError(f"header names column(s) {', '.join(doubled)} more than once")
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise RegistryFileError(f"header lacks column(s) {', '.join(missing)}")
    positions = {name: header.index(name) for name in COLUMNS}
    ignored = [name for name in header if name not in COLUMNS]

    records: dict[str, list] = {"line_no": [], "n_fields": [], "raw_line": []}
    records.update({name: [] for name in COLUMNS})
    line_no = reader.line_num
    physical_lines = _LINE_BREAK.split(text)
    try:
        for row in reader:
            start = line_no + 1
            line_no = reader.line_num
            records["line_no"].append(start)
            records["n_fields"].append(len(row))
            records["raw_line"].append("\n".join(physical_lines[start - 1 : line_no]))
            for name, position in positions.items():
                records[name].append(row[position] if position < len(row) else None)
    except csv.Error as error:
        raise RegistryFileError(f"line {line_no + 1}: {error}") from None
    table = pa.table(
        {
            "line_no": pa.array(records.pop("line_no"), pa.int64()),
            "n_fields": pa.array(records.pop("n_fields"), pa.int64()),
            **{name: pa.array(values, pa.string()) for name, values in records.items()},
        }
    )
    return table, ignored, len(header)


def _bad_date(column: str) -> str:
    return f"NOT tousu_is_blank({column}) AND tousu_date({column}) IS NULL"


# Builds temp table `classified` from the registry rows in `registry_rows`.
CLASSIFY_SQL = f"""
CREATE OR REPLACE TEMP TABLE classified AS
WITH rows AS (
    SELECT $source_file AS source_file, *,
        n_fields = 0 OR (n_fields = 1 AND tousu_is_blank(platform)) AS is_blank
    FROM registry_rows
)
SELECT *,
    CASE
        WHEN is_blank THEN NULL
        WHEN n_fields <> $n_columns THEN 'wrong_column_count'
        WHEN tousu_is_blank(platform) THEN 'missing_field:platform'
        WHEN tousu_is_blank(domain) THEN 'missing_field:domain'
        WHEN tousu_trim(domain) NOT IN {sql_list(domains())} THEN 'unknown_domain'
        WHEN {_bad_date("onboarded_at")} THEN 'invalid_date:onboarded_at'
        WHEN {_bad_date("offboarded_at")} THEN 'invalid_date:offboarded_at'
        WHEN NOT coalesce(tousu_trim(after_sales_contact) IN ('是', '否'), false)
            THEN 'invalid_after_sales_contact'
    END AS reason
FROM rows
"""

# The loaded lines of temp table `classified`, as raw.platforms' rows.
LOADED_SQL = f"""
SELECT source_file, line_no, {", ".join(COLUMNS)}, $ingested_at AS ingested_at
FROM classified
WHERE reason IS NULL AND NOT is_blank
"""
INSERT_LOADED_SQL = f"INSERT INTO raw.platforms {LOADED_SQL}"
