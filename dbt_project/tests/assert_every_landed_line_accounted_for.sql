{{ config(meta={'dagster': {'ref': {'name': 'stg_audit__ingested_files'}}}) }}
-- The one reconciliation of the ledger (shown in Dagster as the asset check
-- `assert_every_landed_line_accounted_for` of stg_audit__ingested_files): each
-- loaded file's lines are loaded, quarantined or blank, and its loaded and
-- quarantined counts match the rows it left in the raw and quarantine tables,
-- counting lines purged since (tousu purge). It runs on every build, purges'
-- rebuilds included, over every file ever loaded.
with

files as (

    select * from {{ ref('stg_audit__ingested_files') }}
    where file_status = 'loaded'

),

raw_rows as (

    select
        source_file,
        count(*) as n_rows
    from {{ source('tousu', 'complaints') }}
    group by all
    union all
    select
        source_file,
        count(*) as n_rows
    from {{ source('tousu', 'platforms') }}
    group by all
    union all
    select
        source_file,
        count(*) as n_rows
    from {{ source('audit', 'purged_lines') }}
    where layer = 'raw'
    group by all

),

raw_counts as (

    select
        source_file,
        sum(n_rows) as n_rows
    from raw_rows
    group by all

),

quarantined as (

    select
        source_file,
        count(*) as n_rows
    from {{ source('audit', 'quarantine') }}
    group by all
    union all
    select
        source_file,
        count(*) as n_rows
    from {{ source('audit', 'purged_lines') }}
    where layer = 'quarantine'
    group by all

),

quarantine_counts as (

    select
        source_file,
        sum(n_rows) as n_rows
    from quarantined
    group by all

)

select
    files.source_file,
    files.n_lines,
    files.n_blank,
    files.n_loaded,
    raw_counts.n_rows as n_raw_rows,
    files.n_quarantined,
    quarantine_counts.n_rows as n_quarantine_rows
from files
left join raw_counts using (source_file)
left join quarantine_counts using (source_file)
where files.n_lines <> files.n_loaded + files.n_quarantined + files.n_blank
    or files.n_loaded <> coalesce(raw_counts.n_rows, 0)
    or files.n_quarantined <> coalesce(quarantine_counts.n_rows, 0)
