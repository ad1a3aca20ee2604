{#- The rating method of the reference report's 备注 (docs block `rating_method`). -#}

{% macro composite_index(reply_rate, timeliness, satisfaction) -%}
    ({{ reply_rate }} * 0.5 + {{ timeliness }} * 0.3 + {{ satisfaction }} / 10 * 0.2)
{%- endmacro %}

{% macro timeliness_score(reply_hours) -%}
    (case
        when {{ reply_hours }} is null then 0.0
        when {{ reply_hours }} < 72 then 1.0
        when {{ reply_hours }} < 120 then 0.6
        else 0.0
    end)::double
{%- endmacro %}

{% macro rating_code(composite_index, eligible) -%}
    case
        when not {{ eligible }} then 'unrated'
        when {{ composite_index }} < 0.4 then 'not_recommended'
        when {{ composite_index }} < 0.75 then 'cautious'
        else 'recommended'
    end
{%- endmacro %}
