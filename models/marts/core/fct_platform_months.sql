-- Rated complaints of each platform and month, with additive counts and sums
-- so that quarters, halves and years roll up from months exactly. Timeliness is
-- summed from each complaint's timeliness_score, so the weights stay in the one
-- macro that defines them (macros/rating.sql).

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
    sum(timeliness_score)                                        as timeliness_sum,
    count(score)                                                 as n_scored,
    coalesce(sum(score), 0)                                      as score_sum
from complaints
group by all
