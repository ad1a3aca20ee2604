{#- The rows of a model in which any of `column_names` is null. One test per
    model instead of one per column: every data test is a node dbt runs and
    Dagster reports, and a node costs the same fixed time however little it
    reads (most on Spark, ~0.4 s each). A failure lists the rows themselves, so
    `tousu build` can name their landed file and line. -#}
{% test not_null_columns(model, column_names) %}

    select *
    from {{ model }}
    where
        {%- for column in column_names %}
            {{ adapter.quote(column) if column in ('user',) else column }} is null
            {{- ' or' if not loop.last }}
        {%- endfor %}

{% endtest %}
