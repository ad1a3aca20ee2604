"""dbt's `adapter` for sqlfluff's jinja templater (.sqlfluff library_path).

Linting reads the models as DuckDB SQL, so `adapter.dispatch` resolves to the
`default__` implementation, rendered from the project's own macro files, and
`adapter.quote` quotes as DuckDB does."""

from pathlib import Path

import jinja2

_MACROS = Path(__file__).resolve().parents[1] / "macros"


def _return(value):
    # dbt's `return()` ends a macro with a value; rendered, the value is its output
    return value


def _config(*args, **kwargs):
    # a model's config() (called from a dispatched macro) renders to nothing
    return ""


def _macros():
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals.update({"return": _return, "config": _config, "adapter": __import__(__name__, fromlist=["dispatch"])})
    source = "\n".join(path.read_text(encoding="utf-8") for path in sorted(_MACROS.glob("*.sql")))
    return env.from_string(source).module


def dispatch(name: str, namespace: str | None = None):
    return getattr(_macros(), f"default__{name}")


def quote(identifier: str) -> str:
    return f'"{identifier}"'
