-- Every rated period with each month it contains: months roll up into periods
-- through this one mapping (ratings and distributions alike).

with

periods as (

    select * from {{ ref('dim_periods') }}

)

select
    rated.period_key,
    months.period_start as month_start
from periods as rated
inner join periods as months
    on months.period_type = 'month'
        and months.period_start between rated.period_start and rated.period_end
where rated.is_rated
