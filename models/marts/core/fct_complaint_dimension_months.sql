-- Rated complaints per platform, month, dimension and value: the additive base
-- that platform and domain distributions of every period roll up from.

with

complaints as (

    select
        platform,
        date_trunc('month', submitted_date)::date as month_start,
        coalesce(problem_type, '未知') as problem_type,
        province,
        gender,
        amount_band
    from {{ ref('fct_complaints') }}
    where is_rated

),

unpivoted as (

    {{ unpivoted('complaints', ['problem_type', 'province', 'gender', 'amount_band'], 'dimension', 'value') }}

)

select
    platform,
    month_start,
    dimension,
    value,
    count(*) as n_complaints
from unpivoted
group by all
