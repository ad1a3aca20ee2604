"""Raw and audit tables that ingestion owns (dbt reads them as sources).

Raw columns hold the values as landed: JSON strings as text, JSON numbers as
text (as DuckDB renders them: 12.50 becomes 12.5), nested objects as JSON.
Casting and normalising is the staging models' job; ingestion only decides
which lines are valid.
"""

import datetime as dt

import pyarrow as pa

from orchestration.ingestion import cfpb, complaints, registry

_CFPB_COLUMNS = ",\n".join(f"    {name:<30}  VARCHAR" for name in cfpb.COLUMNS)

DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS raw.complaints (
    source_file     VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,
    complaint_id    VARCHAR,
    updated_at      VARCHAR,
    submitted_at    VARCHAR,
    platform        VARCHAR,
    domain          VARCHAR,
    industry        VARCHAR,
    problem_type    VARCHAR,
    amount          VARCHAR,
    title           VARCHAR,
    content         VARCHAR,
    status          VARCHAR,
    transferred_at  VARCHAR,
    "user"          JSON,
    replies         JSON,
    evaluation      JSON,
    ingested_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.platforms (
    source_file          VARCHAR NOT NULL,
    line_no              BIGINT NOT NULL,
    platform             VARCHAR,
    domain               VARCHAR,
    industry             VARCHAR,
    onboarded_at         VARCHAR,
    offboarded_at        VARCHAR,
    after_sales_contact  VARCHAR,
    ingested_at          TIMESTAMPTZ NOT NULL
);

-- CFPB export records as landed (each value unquoted, untrimmed); line_no is
-- the physical line the record starts on. complaint_id is null for records of
-- the legacy export that has no Complaint ID column.
CREATE TABLE IF NOT EXISTS raw.cfpb_complaints (
    source_file     VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,
{_CFPB_COLUMNS},
    ingested_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS audit.quarantine (
    source_file     VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,
    reason          VARCHAR NOT NULL,
    raw_line        VARCHAR,
    quarantined_at  TIMESTAMPTZ NOT NULL
);

-- Lines removed by `tousu purge`: where they were, not what they said, so that
-- every landed line stays accounted for (loaded or quarantined, or purged since).
CREATE TABLE IF NOT EXISTS audit.purged_lines (
    source_file     VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,
    layer           VARCHAR NOT NULL,   -- raw | quarantine: where the line was
    complaint_key   VARCHAR NOT NULL,   -- sha256 of the purged complaint_id
    purged_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS audit.ingested_files (
    source_file     VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,   -- loaded | duplicate
    duplicate_of    VARCHAR,            -- for a duplicate: the file first loaded with this sha256
    n_lines         BIGINT,
    n_loaded        BIGINT,
    n_quarantined   BIGINT,
    n_blank         BIGINT,
    ingested_at     TIMESTAMPTZ NOT NULL
);
-- The landed file's size and modification time when it was ingested: a later
-- scan skips a file whose name, size and mtime match without reading it again
-- (hashing 17 GB of dumps took most of an incremental build). Added columns, so
-- warehouses created before them gain them here.
ALTER TABLE audit.ingested_files ADD COLUMN IF NOT EXISTS size_bytes BIGINT;
ALTER TABLE audit.ingested_files ADD COLUMN IF NOT EXISTS mtime_ns BIGINT;

-- A file ingested chunk by chunk (a CFPB export, a large dump): each chunk
-- commits on its own, so memory stays bounded, and the file's ledger row is its
-- commit. A row here names a file whose rows are not the warehouse's yet; an
-- interrupted run's are deleted by the next ingestion before it reads anything.
CREATE TABLE IF NOT EXISTS audit.files_in_progress (
    source_file     VARCHAR NOT NULL,
    ingested_at     TIMESTAMPTZ NOT NULL    -- the run's ingestion time, which its rows carry
);
"""

# The same tables on the Spark engine: Parquet tables, each partitioned by its
# ingestion time, the last column, so that a run's rows are one partition — an
# interrupted run's partition is dropped whole before the next run
# (orchestration/ingestion/spark_run.py). JSON columns are text. The column
# names and order are DDL's above (tests/unit/test_spark_ingestion.py checks).
_TIMESTAMP = "TIMESTAMP_LTZ"
SPARK_TABLES = {
    "raw.complaints": (
        [
            ("source_file", "STRING"),
            ("line_no", "BIGINT"),
            *((name, "STRING") for name in complaints.RAW_FIELDS),
            ("ingested_at", _TIMESTAMP),
        ],
        "ingested_at",
    ),
    "raw.platforms": (
        [
            ("source_file", "STRING"),
            ("line_no", "BIGINT"),
            *((name, "STRING") for name in registry.COLUMNS),
            ("ingested_at", _TIMESTAMP),
        ],
        "ingested_at",
    ),
    "raw.cfpb_complaints": (
        [
            ("source_file", "STRING"),
            ("line_no", "BIGINT"),
            *((name, "STRING") for name in cfpb.COLUMNS),
            ("ingested_at", _TIMESTAMP),
        ],
        "ingested_at",
    ),
    "audit.quarantine": (
        [
            ("source_file", "STRING"),
            ("line_no", "BIGINT"),
            ("reason", "STRING"),
            ("raw_line", "STRING"),
            ("quarantined_at", _TIMESTAMP),
        ],
        "quarantined_at",
    ),
    "audit.purged_lines": (
        [
            ("source_file", "STRING"),
            ("line_no", "BIGINT"),
            ("layer", "STRING"),
            ("complaint_key", "STRING"),
            ("purged_at", _TIMESTAMP),
        ],
        None,
    ),
    "audit.ingested_files": (
        [
            ("source_file", "STRING"),
            ("sha256", "STRING"),
            ("kind", "STRING"),
            ("status", "STRING"),
            ("duplicate_of", "STRING"),
            ("n_lines", "BIGINT"),
            ("n_loaded", "BIGINT"),
            ("n_quarantined", "BIGINT"),
            ("n_blank", "BIGINT"),
            ("ingested_at", _TIMESTAMP),
            ("size_bytes", "BIGINT"),
            ("mtime_ns", "BIGINT"),
        ],
        None,
    ),
}


# How each Spark column type travels as Arrow (tables the driver writes).
_ARROW_TYPES = {"STRING": pa.string(), "BIGINT": pa.int64(), _TIMESTAMP: pa.timestamp("us", tz="UTC")}


def spark_instant(value: dt.datetime) -> str:
    """An instant as a Spark SQL literal of the tables' timestamp type (partition values among them)."""
    return f"{_TIMESTAMP} '{value.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S.%fZ')}'"


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in SPARK_TABLES[table][0]])


def spark_ddl() -> list[str]:
    statements = ["CREATE DATABASE IF NOT EXISTS raw", "CREATE DATABASE IF NOT EXISTS audit"]
    for table, (columns, partition) in SPARK_TABLES.items():
        spelled = ", ".join(f"`{name}` {kind}" for name, kind in columns)
        partitioned = f" PARTITIONED BY (`{partition}`)" if partition else ""
        statements.append(f"CREATE TABLE IF NOT EXISTS {table} ({spelled}) USING parquet{partitioned}")
    return statements
