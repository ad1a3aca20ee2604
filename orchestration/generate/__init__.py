"""Synthetic landing data (`tousu generate`), calibrated to the reference report."""

# The default sample (`tousu demo`); here, not in synthetic.py, so that the
# CLI's --help need not import DuckDB and Arrow to show them.
DEFAULT_COMPLAINTS = 3000
DEFAULT_YEAR = 2024
DEFAULT_SEED = 20250303
