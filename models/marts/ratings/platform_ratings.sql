-- The rating of every platform in every rated period with at least one rated
-- complaint (SPEC sections 4 and 5). See the docs block `rating_method`.

with

monthly_stats as (

    select * from {{ ref('fct_platform_months') }}

),

period_months as (

    select * from {{ ref('dim_period_months') }}

),

periods as (

    select * from {{ ref('dim_periods') }}
    where is_rated

),

platforms as (

    select * from {{ ref('dim_platforms') }}

),

-- Months roll up into every rated period that contains them.
period_stats as (

    select
        monthly_stats.platform,
        period_months.period_key,
        sum(monthly_stats.n_complaints) as n_complaints,
        sum(monthly_stats.n_replied) as n_replied,
        sum(monthly_stats.timeliness_sum) as timeliness_sum,
        sum(monthly_stats.n_scored) as n_scored,
        sum(monthly_stats.score_sum) as score_sum
    from monthly_stats
    inner join period_months using (month_start)
    group by all

),

metrics as (

    select
        period_stats.*,
        period_stats.n_replied::double / period_stats.n_complaints as reply_rate,
        period_stats.timeliness_sum::double / period_stats.n_complaints as timeliness,
        case
            when period_stats.n_scored > 0 then period_stats.score_sum / period_stats.n_scored else 0.0
        end as satisfaction
    from period_stats

),

rated as (

    select
        metrics.platform,
        platforms.domain,
        periods.period_key,
        periods.period_type,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        metrics.n_complaints,
        metrics.n_replied,
        metrics.reply_rate,
        metrics.timeliness,
        metrics.n_scored,
        metrics.satisfaction,
        {{ composite_index('metrics.reply_rate', 'metrics.timeliness', 'metrics.satisfaction') }}
            as composite_index,
        coalesce(
            platforms.in_registry
            and platforms.onboarded_at <= periods.period_end
            and (platforms.offboarded_at is null or platforms.offboarded_at > periods.period_end)
            and platforms.has_after_sales_contact,
            false
        ) as eligible
    from metrics
    inner join periods using (period_key)
    inner join platforms using (platform)

),

graded as (

    select
        *,
        {{ rating_code('composite_index', 'eligible') }} as rating_code
    from rated

),

-- the grades' names, from the seed that lists them
grades as (

    select * from {{ ref('rating_grades') }}

)

select
    graded.platform,
    graded.domain,
    graded.period_key,
    graded.period_type,
    graded.period_label,
    graded.period_start,
    graded.period_end,
    graded.n_complaints::bigint as n_complaints,
    graded.n_replied::bigint as n_replied,
    graded.reply_rate,
    graded.timeliness,
    graded.n_scored::bigint as n_scored,
    graded.satisfaction,
    graded.composite_index,
    graded.eligible,
    grades.rating,
    graded.rating_code
from graded
inner join grades on graded.rating_code = grades.rating_code
