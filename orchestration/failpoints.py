"""Crash points for the crash-safety tests.

With TOUSU_FAILPOINT=<name> set, reaching `failpoint(<name>)` kills the whole
process group with SIGKILL — the build and its dbt child, as a power cut would —
so the tests can crash a build at exact places (mid-ingestion, between dbt
models, before the serving swap) and check that a normal re-run repairs
everything. Unset, as always outside those tests, a failpoint does nothing.
"""

import os
import signal

FAILPOINT_ENV = "TOUSU_FAILPOINT"


def failpoint(name: str) -> None:
    if os.environ.get(FAILPOINT_ENV) == name:
        os.killpg(os.getpgrp(), signal.SIGKILL)
