"""Settings handed to child processes and clients through this process's
environment, for one block only."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in this process's environment while the block lasts, then
    put back what was there, whatever ends the block: a dbt invocation that
    follows (a publication after a build) or a later Spark session must not
    inherit them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
