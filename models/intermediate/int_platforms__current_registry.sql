-- The current platform registry: the registry file with the greatest name
-- (SPEC 3.2). A file that duplicates an earlier one carries that file's rows. A
-- platform listed twice keeps its last line.

with

ingested_files as (

    select * from {{ ref('stg_audit__ingested_files') }}

),

registry_lines as (

    select * from {{ ref('stg_tousu__platform_registry') }}

),

current_file as (

    select
        source_file,
        content_source_file
    from ingested_files
    where file_kind = 'platforms'
    order by source_file desc
    limit 1

)

select
    registry_lines.platform,
    registry_lines.domain,
    registry_lines.industry,
    registry_lines.onboarded_at,
    registry_lines.offboarded_at,
    registry_lines.has_after_sales_contact,
    current_file.source_file as registry_file,
    registry_lines.source_file,
    registry_lines.source_line_no
from registry_lines
inner join current_file
    on registry_lines.source_file = current_file.content_source_file
qualify row_number() over (
        partition by registry_lines.platform
        order by registry_lines.source_line_no desc
    ) = 1
