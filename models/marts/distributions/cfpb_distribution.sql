-- CFPB complaints received in a period by product, issue and state (all
-- companies); an unknown value is `Unknown`, and the shares of one (period,
-- dimension) sum to 1.

with

complaints as (

    select * from {{ ref('fct_cfpb_complaints') }}

),

period_months as (

    select * from {{ ref('dim_period_months') }}

),

dimension_values as (

    select
        received_month as month_start,
        'product' as dimension,
        coalesce(product, 'Unknown') as value
    from complaints

    union all

    select
        received_month as month_start,
        'issue' as dimension,
        coalesce(issue, 'Unknown') as value
    from complaints

    union all

    select
        received_month as month_start,
        'state' as dimension,
        coalesce(state, 'Unknown') as value
    from complaints

),

counts as (

    select
        period_months.period_key,
        dimension_values.dimension,
        dimension_values.value,
        cast(count(*) as bigint) as n_complaints
    from dimension_values
    inner join period_months using (month_start)
    group by period_months.period_key, dimension_values.dimension, dimension_values.value

)

select
    period_key,
    dimension,
    value,
    n_complaints,
    n_complaints / sum(n_complaints) over (partition by period_key, dimension) as share
from counts
