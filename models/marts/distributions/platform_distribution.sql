-- Each platform's rated complaints of a period by problem type, province,
-- gender and amount band; shares of one (platform, period, dimension) sum to 1.

with

monthly as (

    select * from {{ ref('fct_complaint_dimension_months') }}

),

period_months as (

    select * from {{ ref('dim_period_months') }}

),

counts as (

    select
        monthly.platform,
        period_months.period_key,
        monthly.dimension,
        monthly.value,
        sum(monthly.n_complaints)::bigint as n_complaints
    from monthly
    inner join period_months using (month_start)
    group by all

)

select
    platform,
    period_key,
    dimension,
    value,
    n_complaints,
    n_complaints / sum(n_complaints) over (partition by platform, period_key, dimension) as share
from counts
