"""Synthetic landing data (`tousu generate`), calibrated to the reference report."""
