{{ config(meta={'dagster': {'ref': {'name': 'platform_distribution'}}}) }}
-- Every dimension of a platform's period distribution counts exactly the rated
-- complaints of its rating row, and a domain's those of its platforms.
with

ratings as (

    select
        platform,
        domain,
        period_key,
        n_complaints
    from {{ ref('platform_ratings') }}

),

platform_totals as (

    select
        platform,
        period_key,
        dimension,
        sum(n_complaints) as n_complaints
    from {{ ref('platform_distribution') }}
    group by all

),

domain_totals as (

    select
        domain,
        period_key,
        dimension,
        sum(n_complaints) as n_complaints
    from {{ ref('domain_distribution') }}
    group by all

),

domain_ratings as (

    select
        domain,
        period_key,
        sum(n_complaints) as n_complaints
    from ratings
    group by all

)

select
    'platform' as grain,
    platform_totals.platform as member,
    platform_totals.period_key,
    platform_totals.dimension
from platform_totals
left join ratings using (platform, period_key)
where platform_totals.n_complaints is distinct from ratings.n_complaints
union all
select
    'domain' as grain,
    domain_totals.domain as member,
    domain_totals.period_key,
    domain_totals.dimension
from domain_totals
left join domain_ratings using (domain, period_key)
where domain_totals.n_complaints is distinct from domain_ratings.n_complaints
