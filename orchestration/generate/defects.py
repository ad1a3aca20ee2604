"""A fixed set of defective lines, one or two of every quarantine reason, spread
over the daily dumps; and a BOM on the first dump. Every one of them must end in
audit.quarantine with its reason."""

from __future__ import annotations

import json
from pathlib import Path


def _valid(year: int, complaint_id: str, **overrides) -> dict:
    record = {
        "complaint_id": complaint_id,
        "updated_at": f"{year}-06-15 10:00:00",
        "submitted_at": f"{year}-06-14 09:00:00",
        "platform": "淘宝",
        "domain": "数字零售",
        "status": "已移交",
        "transferred_at": f"{year}-06-14 12:00:00",
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not ...}


def defect_lines(year: int) -> list[tuple[str, bytes]]:
    """(the reason the line must be quarantined with, the line)."""

    def line(record: dict) -> bytes:
        return json.dumps(record, ensure_ascii=False).encode("utf-8")

    return [
        ("encoding", b'{"complaint_id": "BAD-ENC", "platform": "\xe6\xb7\x98\xff\xfe"}'),
        ("invalid_json", b'{"complaint_id": "BAD-JSON", "platform": '),
        ("not_an_object", b'["BAD-ARRAY", "not an object"]'),
        ("missing_field:complaint_id", line(_valid(year, ...))),
        ("missing_field:platform", line(_valid(year, "BAD-PLATFORM", platform="\u3000"))),
        ("invalid_timestamp:updated_at", line(_valid(year, "BAD-TS", updated_at=f"{year}/06/15 10:00"))),
        ("invalid_timestamp:submitted_at", line(_valid(year, "BAD-TS2", submitted_at=f"{year}-02-30 09:00:00"))),
        ("invalid_status", line(_valid(year, "BAD-STATUS", status="处理中"))),
        ("unknown_domain", line(_valid(year, "BAD-DOMAIN", domain="金融"))),
        ("invalid_amount", line(_valid(year, "BAD-AMOUNT", amount="-50元"))),
        ("invalid_score", line(_valid(year, "BAD-SCORE", status="已评价", evaluation={"score": 11}))),
        (
            "invalid_reply",
            line(_valid(year, "BAD-REPLY", replies=[{"replied_at": f"{year}-06-15 09:00:00", "author": "robot"}])),
        ),
        ("missing_transferred_at", line(_valid(year, "BAD-TRANSFER", transferred_at=...))),
        ("transfer_before_submit", line(_valid(year, "BAD-ORDER", transferred_at=f"{year}-06-14 08:00:00"))),
        (
            "reply_before_transfer",
            line(
                _valid(
                    year,
                    "BAD-EARLY",
                    replies=[{"replied_at": f"{year}-06-14 11:00:00", "author": "platform", "content": "已处理"}],
                )
            ),
        ),
        # A later state of a real complaint that is defective: the earlier valid
        # state must stay in force.
        (
            "invalid_status",
            line(
                _valid(
                    year,
                    f"TS{year}00000001",
                    updated_at=f"{year + 1}-01-31 23:00:00",
                    status="已完结",
                    platform="分期乐",
                    domain="金融科技",
                )
            ),
        ),
    ]


def append_defects(out_dir: Path, plain_dumps: list[str], year: int) -> int:
    """Append the defects to every 7th plain dump (from the 3rd) and add a BOM to the first."""
    defects = defect_lines(year)
    targets = [name for name in sorted(plain_dumps)[2::7]] or sorted(plain_dumps)
    for number, (_, data) in enumerate(defects):
        path = out_dir / targets[number % len(targets)]
        with path.open("ab") as handle:
            handle.write(data + b"\n")
    first = out_dir / sorted(plain_dumps)[0]
    first.write_bytes(b"\xef\xbb\xbf" + first.read_bytes())
    return len(defects)
