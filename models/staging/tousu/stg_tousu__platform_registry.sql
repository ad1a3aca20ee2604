-- Every loaded line of every registry file, cast and normalised. Which file is
-- the current registry is decided in int_platforms__current_registry.

with

source as (

    select * from {{ source('tousu', 'platforms') }}

),

renamed as (

    select
        source_file,
        line_no                                               as source_line_no,
        tousu_trim(tousu_nfkc(platform))                      as platform,
        tousu_trim(domain)                                    as domain,
        nullif(tousu_trim(tousu_nfkc(industry)), '')          as industry,
        try_cast(nullif(tousu_trim(onboarded_at), '') as date)  as onboarded_at,
        try_cast(nullif(tousu_trim(offboarded_at), '') as date) as offboarded_at,
        tousu_trim(after_sales_contact) = '是'                as has_after_sales_contact,
        ingested_at
    from source

)

select * from renamed
