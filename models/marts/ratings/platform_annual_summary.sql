-- How many ratings each platform got in a year, of which grade, and its annual
-- rating (the year row's), as in "共获得N次消费评级，其中…".

with

ratings as (

    select * from {{ ref('platform_ratings') }}

)

select
    platform,
    year(period_start)::integer as year,
    count(*)::bigint as n_ratings,
    count(*) filter (where rating_code = 'recommended')::bigint as n_recommended,
    count(*) filter (where rating_code = 'cautious')::bigint as n_cautious,
    count(*) filter (where rating_code = 'not_recommended')::bigint as n_not_recommended,
    count(*) filter (where rating_code = 'unrated')::bigint as n_unrated,
    max(rating) filter (where period_type = 'year') as annual_rating
from ratings
group by platform, year(period_start)
