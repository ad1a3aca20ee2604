-- Every period of every year that has complaints (of any source): the year,
-- both halves, four quarters and twelve months, with key, label and dates
-- (SPEC section 4).
-- report_order is the order of the reference report's tables (全年, 第四季度,
-- 12月, 11月, 10月, 第三季度 … 1月).

with

complaint_years as (

    select
        min(year(submitted_at)) as first_year,
        max(year(submitted_at)) as last_year
    from {{ ref('int_complaints__current_state') }}

    union all

    select
        min(year(received_date)) as first_year,
        max(year(received_date)) as last_year
    from {{ ref('int_cfpb_complaints__current_state') }}

),

bounds as (

    select
        min(first_year) as first_year,
        max(last_year) as last_year
    from complaint_years

),

years as (

    select {{ each_integer('first_year', 'last_year', 'year') }}
    from bounds
    where first_year is not null

),

months as (

    select
        years.year,
        month_numbers.month
    from years
    cross join range(1, 13) as month_numbers (month)

),

halves as (

    select
        years.year,
        half_numbers.half
    from years
    cross join range(1, 3) as half_numbers (half)

),

quarters as (

    select
        years.year,
        quarter_numbers.quarter
    from years
    cross join range(1, 5) as quarter_numbers (quarter)

),

periods as (

    select
        {{ year_key('year') }} as period_key,
        'year' as period_type,
        '全年' as period_label,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        year
    from years

    union all

    select
        {{ year_key('year') }} || '-H' || half as period_key,
        'half' as period_type,
        case half when 1 then '上半年' else '下半年' end as period_label,
        make_date(year, 6 * half - 5, 1) as period_start,
        last_day(make_date(year, 6 * half, 1)) as period_end,
        year
    from halves

    union all

    select
        {{ year_key('year') }} || '-Q' || quarter as period_key,
        'quarter' as period_type,
        case quarter when 1 then '第一季度' when 2 then '第二季度' when 3 then '第三季度' else '第四季度' end as period_label,
        make_date(year, 3 * quarter - 2, 1) as period_start,
        last_day(make_date(year, 3 * quarter, 1)) as period_end,
        year
    from quarters

    union all

    select
        {{ year_key('year') }} || '-' || lpad(month::string, 2, '0') as period_key,
        'month' as period_type,
        month::string || '月' as period_label,
        make_date(year, month, 1) as period_start,
        last_day(make_date(year, month, 1)) as period_end,
        year
    from months

)

select
    *,
    -- later periods first; of periods ending together, the longer first
    (row_number() over (
        partition by year
        order by
            period_end desc,
            case period_type when 'year' then 0 when 'half' then 1 when 'quarter' then 2 else 3 end
    ) - 1)::integer as report_order,
    period_type <> 'half'
    or period_key like '%-H1'
    or {{ bool_var('rate_second_half') }} as is_rated
from periods
