{{ config(meta={'dagster': {'ref': {'name': 'stg_audit__ingested_files'}}}) }}
-- The one reconciliation of the ledger (shown in Dagster as the asset check
-- `assert_every_landed_line_accounted_for` of stg_audit__ingested_files): each
-- loaded file's lines are loaded, quarantined or blank, and its loaded and
-- quarantined counts match the rows it left in the raw and quarantine tables,
-- counting lines purged since (tousu purge); and no raw or quarantined row
-- belongs to a file the ledger does not hold as loaded (a streamed file's rows
-- before its ledger row: an interrupted ingestion's, which the next ingestion
-- deletes). It runs on every build, purges' rebuilds included, over every file
-- ever loaded.
with

files as (

    select * from {{ ref('stg_audit__ingested_files') }}
    where file_status = 'loaded'

),

-- Rows each file left, by layer: raw (complaints, registry or CFPB) or quarantine,
-- and the purged lines of each layer.
landed_rows as (

    select
        source_file,
        'raw' as layer,
        count(*) as n_rows
    from {{ source('tousu', 'complaints') }}
    group by all
    union all
    select
        source_file,
        'raw' as layer,
        count(*) as n_rows
    from {{ source('tousu', 'platforms') }}
    group by all
    union all
    select
        source_file,
        'raw' as layer,
        count(*) as n_rows
    from {{ source('cfpb', 'cfpb_complaints') }}
    group by all
    union all
    select
        source_file,
        'quarantine' as layer,
        count(*) as n_rows
    from {{ source('audit', 'quarantine') }}
    group by all
    union all
    select
        source_file,
        layer,
        count(*) as n_rows
    from {{ source('audit', 'purged_lines') }}
    group by all

),

landed_counts as (

    select
        source_file,
        coalesce(sum(n_rows) filter (where layer = 'raw'), 0) as n_raw_rows,
        coalesce(sum(n_rows) filter (where layer = 'quarantine'), 0) as n_quarantine_rows
    from landed_rows
    group by source_file

)

select
    coalesce(files.source_file, landed_counts.source_file) as source_file,
    files.n_lines,
    files.n_blank,
    files.n_loaded,
    landed_counts.n_raw_rows,
    files.n_quarantined,
    landed_counts.n_quarantine_rows
from files
full outer join landed_counts on files.source_file = landed_counts.source_file
where files.source_file is null
    or files.n_lines <> files.n_loaded + files.n_quarantined + files.n_blank
    or files.n_loaded <> coalesce(landed_counts.n_raw_rows, 0)
    or files.n_quarantined <> coalesce(landed_counts.n_quarantine_rows, 0)
