"""dbt's `exceptions` for sqlfluff's jinja templater (.sqlfluff library_path).

Linting renders the models without dbt, so the var checks of macros/vars.sql
always take their error branch (sqlfluff's `var()` returns the var's name):
the stand-in renders SQL `null` there, which parses where the value would.
The real check runs when dbt compiles."""


def raise_compiler_error(message: str) -> str:
    return "null"
