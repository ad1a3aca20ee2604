-- Three typical cases per platform and year among its rated complaints: no
-- effective reply first, then the largest amount (none last), then the
-- earliest submission, then complaint_id. Only the masked name is shown.

with

complaints as (

    select * from {{ ref('fct_complaints') }}
    where is_rated

),

ranked as (

    select
        *,
        row_number() over (
            partition by platform, year(submitted_date)
            order by has_effective_reply, amount desc nulls last, submitted_at, complaint_id
        ) as case_rank
    from complaints

)

select
    platform,
    year(submitted_date)::integer      as year,
    case_rank::integer                 as case_rank,
    complaint_id,
    submitted_date,
    province,
    masked_name,
    problem_type,
    amount,
    title,
    content,
    first_reply_content                as platform_reply
from ranked
where case_rank <= 3
