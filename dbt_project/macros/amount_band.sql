{#- SPEC section 5: each band includes its lower bound; no amount is 未知. -#}
{% macro amount_band(amount) -%}
    case
        when {{ amount }} is null then '未知'
        when {{ amount }} < 100 then '0-100元'
        when {{ amount }} < 500 then '100-500元'
        when {{ amount }} < 1000 then '500-1000元'
        when {{ amount }} < 5000 then '1000-5000元'
        when {{ amount }} < 10000 then '5000-10000元'
        else '10000元以上'
    end
{%- endmacro %}
