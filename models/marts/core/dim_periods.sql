-- Every period of every year that has complaints: the year, both halves, four
-- quarters and twelve months, with key, label and dates (SPEC section 4).
-- report_order is the order of the reference report's tables (全年, 第四季度,
-- 12月, 11月, 10月, 第三季度 … 1月).

with

bounds as (

    select
        min(year(submitted_at)) as first_year,
        max(year(submitted_at)) as last_year
    from {{ ref('int_complaints__current_state') }}

),

years as (

    select unnest(range(first_year, last_year + 1)) as year
    from bounds
    where first_year is not null

),

months as (

    select year, unnest(range(1, 13)) as month from years

),

periods as (

    select
        {{ year_key('year') }}                         as period_key,
        'year'                                         as period_type,
        '全年'                                         as period_label,
        make_date(year, 1, 1)                          as period_start,
        make_date(year, 12, 31)                        as period_end,
        year
    from years

    union all

    select
        {{ year_key('year') }} || '-H' || half,
        'half',
        case half when 1 then '上半年' else '下半年' end,
        make_date(year, 6 * half - 5, 1),
        (make_date(year, 6 * half - 5, 1) + interval 6 month - interval 1 day)::date,
        year
    from years, (select unnest([1, 2]) as half)

    union all

    select
        {{ year_key('year') }} || '-Q' || quarter,
        'quarter',
        '第' || ['一', '二', '三', '四'][quarter] || '季度',
        make_date(year, 3 * quarter - 2, 1),
        (make_date(year, 3 * quarter - 2, 1) + interval 3 month - interval 1 day)::date,
        year
    from years, (select unnest([1, 2, 3, 4]) as quarter)

    union all

    select
        {{ year_key('year') }} || '-' || lpad(month::varchar, 2, '0'),
        'month',
        month || '月',
        make_date(year, month, 1),
        (make_date(year, month, 1) + interval 1 month - interval 1 day)::date,
        year
    from months

)

select
    *,
    -- later periods first; of periods ending together, the longer first
    (row_number() over (
        partition by year
        order by period_end desc,
                 case period_type when 'year' then 0 when 'half' then 1 when 'quarter' then 2 else 3 end
    ) - 1)::integer                                    as report_order,
    period_type <> 'half'
        or period_key like '%-H1'
        or {{ bool_var('rate_second_half') }}          as is_rated
from periods
