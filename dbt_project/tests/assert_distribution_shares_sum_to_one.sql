{{ config(meta={'dagster': {'ref': {'name': 'platform_distribution'}}}) }}
-- The shares of every (platform or domain, period, dimension) group sum to 1.
select
    'platform' as grain,
    platform as member,
    period_key,
    dimension,
    sum(share) as total
from {{ ref('platform_distribution') }}
group by all
having abs(sum(share) - 1) > 1e-9
union all
select
    'domain' as grain,
    domain as member,
    period_key,
    dimension,
    sum(share) as total
from {{ ref('domain_distribution') }}
group by all
having abs(sum(share) - 1) > 1e-9
