-- Every loaded line of every registry file, cast and normalised. Which file is
-- the current registry is decided in int_platforms__current_registry.

with

source as (

    select * from {{ source('tousu', 'platforms') }}

),

renamed as (

    select
        source_file,
        line_no as source_line_no,
        tousu_trim(tousu_nfkc(platform)) as platform,
        tousu_trim(domain) as domain,
        nullif(tousu_trim(tousu_nfkc(industry)), '') as industry,
        tousu_date(onboarded_at) as onboarded_at,
        tousu_date(offboarded_at) as offboarded_at,
        tousu_trim(after_sales_contact) = '是' as has_after_sales_contact,
        ingested_at
    from source

)

select * from renamed
