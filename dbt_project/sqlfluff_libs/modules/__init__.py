"""dbt's `modules` (the Python modules a macro may use) for sqlfluff's jinja
templater (.sqlfluff library_path)."""

import datetime
import re

__all__ = ["datetime", "re"]
