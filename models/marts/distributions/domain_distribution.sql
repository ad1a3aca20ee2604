-- Each domain's rated complaints of a period by problem type, province, gender
-- and amount band (platforms grouped by their domain, as on the boards).

with

platform_counts as (

    select * from {{ ref('platform_distribution') }}

),

platforms as (

    select
        platform,
        domain
    from {{ ref('dim_platforms') }}

),

counts as (

    select
        platforms.domain,
        platform_counts.period_key,
        platform_counts.dimension,
        platform_counts.value,
        sum(platform_counts.n_complaints)::bigint as n_complaints
    from platform_counts
    inner join platforms using (platform)
    group by all

)

select
    domain,
    period_key,
    dimension,
    value,
    n_complaints,
    n_complaints / sum(n_complaints) over (partition by domain, period_key, dimension) as share
from counts
