-- Each platform's rated complaints of a period by problem type, province,
-- gender and amount band; shares of one (platform, period, dimension) sum to 1.

with

monthly as (

    select * from {{ ref('int_complaint_dimensions_monthly') }}

),

periods as (

    select * from {{ ref('dim_periods') }}
    where is_rated

),

counts as (

    select
        monthly.platform,
        periods.period_key,
        monthly.dimension,
        monthly.value,
        sum(monthly.n_complaints)::bigint as n_complaints
    from monthly
    inner join periods
        on monthly.month_start between periods.period_start and periods.period_end
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
