-- 评级榜: platforms of a domain and period ranked by composite index.

with

ratings as (

    select * from {{ ref('platform_ratings') }}
    where n_complaints >= {{ int_var('rating_board_min_complaints', 1) }}

)

select
    domain,
    period_key,
    rank() over (
        partition by domain, period_key order by composite_index desc
    )::bigint as rank,
    platform,
    composite_index,
    rating,
    n_complaints
from ratings
