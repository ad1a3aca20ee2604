-- 投诉榜: platforms ranked by rated complaints, per domain and overall (总榜).

with

ratings as (

    select
        domain,
        period_key,
        platform,
        n_complaints
    from {{ ref('platform_ratings') }}

),

by_domain as (

    select * from ratings
    union all
    select
        '总榜' as domain,
        period_key,
        platform,
        n_complaints
    from ratings

)

select
    domain,
    period_key,
    rank() over (
        partition by domain, period_key order by n_complaints desc
    )::bigint as rank,
    platform,
    n_complaints
from by_domain
