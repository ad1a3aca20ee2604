-- Three typical cases per platform and year among its rated complaints: no
-- effective reply first, then the largest amount (none last), then the
-- earliest submission, then complaint_id. Only the masked name is shown.

with

-- Only the ordering columns: the wide text columns are read for the winners
-- alone, in the final join (a CTE read twice is materialized whole, and with
-- every column this one was most of the model's time: 5 s at 10M).
complaints as (

    select
        complaint_id,
        platform,
        submitted_date,
        submitted_at,
        has_effective_reply,
        -- the order of the cases, as columns of the ordering key below
        amount is null as has_no_amount,
        coalesce(-amount, 0) as minus_amount
    from {{ ref('fct_complaints') }}
    where is_rated

),

-- The three winners of each platform and year, picked by a hash aggregate over
-- the ordering columns alone (min_by with n keeps three per group): a window
-- would sort every rated complaint with all its wide text columns. The key
-- compares field by field, so it spells out the order above; complaint_id
-- last makes it total.
winners as (

    select
        platform,
        year(submitted_date)::integer as year,
        min_by(
            complaint_id,
            {{ ordering_key([
                'has_effective_reply', 'has_no_amount', 'minus_amount', 'submitted_at', 'complaint_id'
            ]) }},
            3
        ) as complaint_ids
    from complaints
    group by all

),

ranked as (

    select
        platform,
        year,
        {{ list_elements('complaint_ids', 'complaint_id', 'case_rank') }}
    from winners

)

select
    ranked.platform,
    ranked.year,
    ranked.case_rank::integer as case_rank,
    ranked.complaint_id,
    cases.submitted_date,
    cases.province,
    cases.masked_name,
    cases.problem_type,
    cases.amount,
    cases.title,
    cases.content,
    cases.first_reply_content as platform_reply
from ranked
inner join {{ ref('fct_complaints') }} as cases using (complaint_id)
