{#- Fails on every row where `expression` is not true (NULL counts as a failure
    unless `where`/the expression handles it). Project-local because dbt packages
    cannot be installed here (no dbt hub access). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
