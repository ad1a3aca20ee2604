"""The platform registries the generator lands: a history file and the current one.

`platforms-<year>-01-01.csv` (UTF-8 with BOM) is the registry as it stood at the
start of the year; `platforms-<year>-12-31.csv` (GBK, as registries exported
from Chinese Excel often are) is the current one: it adds two platforms, drops
慧聪网's after-sales contact and carries one line with a bad date (quarantined).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from orchestration.generate import catalogue as cat
from orchestration.ingestion.registry import COLUMNS


def _row(platform: cat.Platform, year: int, after_sales: str | None = None) -> list[str]:
    return [
        platform.name,
        platform.domain,
        platform.industry,
        platform.onboarded_at.format(year=year),
        platform.offboarded.format(year=year),
        after_sales or platform.after_sales,
    ]


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def write_registries(out_dir: Path, year: int) -> list[str]:
    registered = [p for p in cat.PLATFORMS if p.in_registry]
    history = [
        _row(p, year, after_sales="是" if p.name == "慧聪网" else None)
        for p in registered
        if not p.new_in_current_registry
    ]
    current = [_row(p, year) for p in registered]
    current.append(["测试平台", "其他", "", f"{year}-13-01", "", "是"])  # invalid_date:onboarded_at

    history_name = f"platforms-{year}-01-01.csv"
    current_name = f"platforms-{year}-12-31.csv"
    (out_dir / history_name).write_bytes(b"\xef\xbb\xbf" + _csv_text(history).encode("utf-8"))
    (out_dir / current_name).write_bytes(_csv_text(current).encode("gbk"))
    return [history_name, current_name]
