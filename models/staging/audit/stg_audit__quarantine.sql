-- Every quarantined line, for auditors: where it was, why, and what it said.

with

source as (

    select * from {{ source('audit', 'quarantine') }}

),

renamed as (

    select
        source_file,
        line_no                  as source_line_no,
        reason,
        split_part(reason, ':', 1) as reason_kind,
        raw_line,
        quarantined_at
    from source

)

select * from renamed
