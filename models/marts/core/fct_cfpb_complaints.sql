-- One row per CFPB complaint (its current state) with what its company's
-- rating counts (docs block `cfpb_rating_method`).

with

complaints as (

    select * from {{ ref('int_cfpb_complaints__current_state') }}

),

responses as (

    select * from {{ ref('cfpb_company_responses') }}

)

select
    complaints.complaint_key,
    complaints.complaint_id,
    'cfpb' as source_system,
    complaints.company,
    complaints.received_date,
    complaints.received_month,
    complaints.sent_to_company_date,
    complaints.product,
    complaints.sub_product,
    complaints.issue,
    complaints.sub_issue,
    complaints.state,
    complaints.submitted_via,
    complaints.tags,
    complaints.company_response,
    responses.is_closed,
    responses.is_relief,
    complaints.is_timely,
    complaints.is_disputed,
    complaints.company_public_response,
    complaints.narrative,
    complaints.source_file,
    complaints.source_line_no,
    complaints.ingested_at as source_ingested_at
from complaints
inner join responses on complaints.company_response = responses.company_response
