-- Ingestion's file ledger, for choosing the current registry and reconciling lines.

with

source as (

    select * from {{ source('audit', 'ingested_files') }}

),

renamed as (

    select
        source_file,
        sha256,
        kind as file_kind,
        status as file_status,
        -- A duplicate file carries the content of the file it duplicates.
        coalesce(duplicate_of, source_file) as content_source_file,
        n_lines,
        n_loaded,
        n_quarantined,
        n_blank,
        ingested_at
    from source

)

select * from renamed
