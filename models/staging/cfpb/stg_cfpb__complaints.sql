-- Every loaded CFPB export record, cast and normalised: one row per
-- (source_file, source_line_no). Company names trimmed and NFKC-normalised,
-- dates as dates, the Yes/No flags as booleans. A narrative leaves the raw
-- layer only where the consumer consented to its publication (docs block
-- `cfpb_privacy`).

with

source as (

    select * from {{ source('cfpb', 'cfpb_complaints') }}

),

renamed as (

    select
        source_file,
        line_no as source_line_no,
        ingested_at,
        nullif(tousu_trim(complaint_id), '') as complaint_id,
        {{ cfpb_date('date_received') }} as received_date,
        {{ cfpb_date('date_sent_to_company') }} as sent_to_company_date,
        tousu_trim(tousu_nfkc(company)) as company,
        nullif(tousu_trim(product), '') as product,
        nullif(tousu_trim(sub_product), '') as sub_product,
        nullif(tousu_trim(issue), '') as issue,
        nullif(tousu_trim(sub_issue), '') as sub_issue,
        nullif(upper(tousu_trim(state)), '') as state,
        nullif(tousu_trim(zip_code), '') as zip_code,
        nullif(tousu_trim(tags), '') as tags,
        nullif(tousu_trim(submitted_via), '') as submitted_via,
        nullif(tousu_trim(company_public_response), '') as company_public_response,
        tousu_trim(company_response_to_consumer) as company_response,
        tousu_trim(timely_response) = 'Yes' as is_timely,
        case tousu_trim(consumer_disputed) when 'Yes' then true when 'No' then false end as is_disputed,
        nullif(tousu_trim(consumer_consent_provided), '') as consumer_consent,
        case
            -- the 2026 export drops the consent column and publishes only
            -- consented narratives; the others say per record
            when consumer_consent_provided is null or tousu_trim(consumer_consent_provided) = 'Consent provided'
                then nullif(consumer_complaint_narrative, '')
        end as narrative
    from source

)

select * from renamed
