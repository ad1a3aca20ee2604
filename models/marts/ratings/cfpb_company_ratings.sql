-- The rating of every CFPB company in every rated period with at least one
-- complaint received: the shares of its complaints closed with a response,
-- answered in time, closed with relief and disputed (docs block
-- `cfpb_rating_method`). Never mixed into the 电诉宝 boards.

with

company_months as (

    select
        company,
        received_month as month_start,
        count(*) as n_complaints,
        count(case when is_closed then 1 end) as n_responded,
        count(case when is_timely then 1 end) as n_timely,
        count(case when is_relief then 1 end) as n_relief,
        count(is_disputed) as n_dispute_known,
        count(case when is_disputed then 1 end) as n_disputed
    from {{ ref('fct_cfpb_complaints') }}
    group by company, received_month

),

period_months as (

    select * from {{ ref('dim_period_months') }}

),

periods as (

    select * from {{ ref('dim_periods') }}
    where is_rated

),

period_stats as (

    select
        company_months.company,
        period_months.period_key,
        sum(company_months.n_complaints) as n_complaints,
        sum(company_months.n_responded) as n_responded,
        sum(company_months.n_timely) as n_timely,
        sum(company_months.n_relief) as n_relief,
        sum(company_months.n_dispute_known) as n_dispute_known,
        sum(company_months.n_disputed) as n_disputed
    from company_months
    inner join period_months using (month_start)
    group by company_months.company, period_months.period_key

)

select
    period_stats.company,
    periods.period_key,
    periods.period_type,
    periods.period_label,
    periods.period_start,
    periods.period_end,
    cast(period_stats.n_complaints as bigint) as n_complaints,
    cast(period_stats.n_responded as bigint) as n_responded,
    cast(period_stats.n_responded as double) / period_stats.n_complaints as response_rate,
    cast(period_stats.n_timely as bigint) as n_timely,
    cast(period_stats.n_timely as double) / period_stats.n_complaints as timely_rate,
    cast(period_stats.n_relief as bigint) as n_relief,
    cast(period_stats.n_relief as double) / period_stats.n_complaints as relief_rate,
    cast(period_stats.n_dispute_known as bigint) as n_dispute_known,
    cast(period_stats.n_disputed as bigint) as n_disputed,
    case
        when period_stats.n_dispute_known > 0
            then cast(period_stats.n_disputed as double) / period_stats.n_dispute_known
    end as dispute_rate
from period_stats
inner join periods using (period_key)
