-- Rated complaints of each platform and month, with additive counts and sums
-- so that quarters, halves and years roll up from months exactly.

with

complaints as (

    select * from {{ ref('fct_complaints') }}
    where is_rated

)

select
    platform,
    date_trunc('month', submitted_date)::date                    as month_start,
    count(*)                                                     as n_complaints,
    count(*) filter (where has_effective_reply)                  as n_replied,
    count(*) filter (where timeliness_score = 1.0)               as n_replied_within_72h,
    count(*) filter (where timeliness_score = 0.6)               as n_replied_within_120h,
    count(score)                                                 as n_scored,
    coalesce(sum(score), 0)                                      as score_sum
from complaints
group by all
