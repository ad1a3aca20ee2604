-- Each CFPB complaint's current state: its record in the greatest file name
-- (every export is a snapshot). Keyed records are complaints by Complaint ID;
-- records of the legacy export, which has no ID, get the stable key of docs
-- block `cfpb_identity` and are kept only for months that no keyed record
-- covers.

{%- set columns = [
    'complaint_id', 'received_date', 'sent_to_company_date', 'company', 'product', 'sub_product',
    'issue', 'sub_issue', 'state', 'zip_code', 'tags', 'submitted_via', 'company_public_response',
    'company_response', 'is_timely', 'is_disputed', 'consumer_consent', 'narrative',
    'source_file', 'source_line_no', 'ingested_at', 'received_month'
] %}

with

records as (

    select
        *,
        cast(date_trunc('month', received_date) as date) as received_month
    from {{ ref('stg_cfpb__complaints') }}

),

keyed as (

    select
        *,
        complaint_id as complaint_key
    from records
    where complaint_id is not null

),

legacy_fingerprinted as (

    select
        *,
        md5(concat_ws(
            '|',
            coalesce(cast(received_date as string), ''),
            coalesce(cast(sent_to_company_date as string), ''),
            coalesce(company, ''),
            coalesce(product, ''),
            coalesce(sub_product, ''),
            coalesce(issue, ''),
            coalesce(sub_issue, ''),
            coalesce(state, ''),
            coalesce(zip_code, ''),
            coalesce(submitted_via, '')
        )) as fingerprint
    from records
    where complaint_id is null

),

legacy as (

    select
        {{ columns | join(', ') }},
        -- records alike in every field that does not change are told apart by
        -- their order within the file
        'legacy-' || substr(fingerprint, 1, 16) || '-' || cast(row_number() over (
            partition by source_file, fingerprint order by source_line_no
        ) as string) as complaint_key
    from legacy_fingerprinted

),

keyed_months as (

    select distinct received_month
    from keyed

),

all_records as (

    select complaint_key, {{ columns | join(', ') }}
    from keyed

    union all

    select legacy.complaint_key, legacy.{{ columns | join(', legacy.') }}
    from legacy
    left join keyed_months
        on legacy.received_month = keyed_months.received_month
    where keyed_months.received_month is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by complaint_key order by source_file desc, source_line_no desc
        ) as recency
    from all_records

)

select
    complaint_key,
    {{ columns | join(', ') }}
from ranked
where recency = 1
