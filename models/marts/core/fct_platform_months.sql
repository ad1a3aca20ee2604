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
    date_trunc('month', submitted_date)::date as month_start,
    count(*) as n_complaints,
    count(*) filter (where has_effective_reply) as n_replied,
    -- summed as decimals: exact, so months and periods add up to the same
    -- value in any order (a sum of doubles depends on it in the last bit);
    -- six decimals hold any weight the macro may give
    sum(timeliness_score::decimal(18, 6)) as timeliness_sum,
    count(score) as n_scored,
    coalesce(sum(score), 0) as score_sum
from complaints
group by all
