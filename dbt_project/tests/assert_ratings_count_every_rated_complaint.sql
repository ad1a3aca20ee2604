{{ config(meta={'dagster': {'ref': {'name': 'platform_ratings'}}}) }}
-- Every rated complaint is counted in exactly its month's rating row.
with

-- counted per month first, the key spelled once per month (not per complaint)
fact_months as (

    select
        platform,
        date_trunc('month', submitted_date)::date as month_start,
        count(*) as n_complaints
    from {{ ref('fct_complaints') }}
    where is_rated
    group by all

),

facts as (

    select
        platform,
        {{ year_key('year(month_start)') }} || '-' || lpad(month(month_start)::string, 2, '0') as period_key,
        n_complaints
    from fact_months

),

ratings as (

    select
        platform,
        period_key,
        n_complaints
    from {{ ref('platform_ratings') }}
    where period_type = 'month'

)

select
    facts.platform as fact_platform,
    facts.period_key as fact_period_key,
    facts.n_complaints as fact_n_complaints,
    ratings.platform as rating_platform,
    ratings.period_key as rating_period_key,
    ratings.n_complaints as rating_n_complaints
from facts
full outer join ratings using (platform, period_key)
where facts.n_complaints is distinct from ratings.n_complaints
