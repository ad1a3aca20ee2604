"""Monthly platform ratings with plain pandas: what a user would write instead.

Reads every complaint dump line by line (json.loads, as one does with files
that may hold broken lines), keeps the fields a rating needs, then validates,
finds each complaint's current state and aggregates with vectorised pandas. The
rules are the floor query's (benchmarks/floor.sql); the harness checks that both
give the build's numbers.

    python -m benchmarks.pandas_ratings LANDING_DIR OUT.parquet
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration import reference

# The contract's enumerations, from the seeds that define them.
STATUSES = set(reference.statuses())
TRANSFERRED = set(reference.rated_statuses())
DOMAINS = set(reference.domains())
AUTHORS = set(reference.reply_authors())
TIMESTAMP_SHAPE = r"^\d{4}-\d{2}-\d{2}[T ]"


def _open(path: Path):
    return (
        gzip.open(path, "rt", encoding="utf-8-sig", errors="replace")
        if path.suffix == ".gz"
        else path.open(encoding="utf-8-sig", errors="replace")
    )


def _read_file(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per JSON-object line, one row per reply of those lines)."""
    rows, replies = [], []
    with _open(path) as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            evaluation = record.get("evaluation")
            reply_list = record.get("replies") or []
            row_id = len(rows)
            rows.append(
                (
                    record.get("complaint_id"),
                    record.get("updated_at"),
                    record.get("submitted_at"),
                    record.get("transferred_at"),
                    record.get("platform"),
                    record.get("domain"),
                    record.get("status"),
                    record.get("amount"),
                    evaluation is not None,
                    evaluation.get("score") if isinstance(evaluation, dict) else None,
                    isinstance(reply_list, list),
                )
            )
            for reply in reply_list if isinstance(reply_list, list) else ():
                if isinstance(reply, dict):
                    replies.append((row_id, reply.get("author"), reply.get("replied_at"), reply.get("content")))
                else:
                    replies.append((row_id, None, None, None))
    lines = pd.DataFrame(
        rows,
        columns=[
            "complaint_id",
            "updated_at",
            "submitted_at",
            "transferred_at",
            "platform",
            "domain",
            "status",
            "amount",
            "has_evaluation",
            "score",
            "replies_ok",
        ],
    )
    lines["filename"] = path.name
    return lines, pd.DataFrame(replies, columns=["row_id", "author", "replied_at", "content"])


def _timestamps(values: pd.Series) -> pd.Series:
    """Asia/Shanghai local time; NaT when not a contract timestamp."""
    text = values.where(values.map(lambda v: isinstance(v, str)), None).astype("string")
    shaped = text.str.contains(TIMESTAMP_SHAPE, regex=True).fillna(False).astype(bool)
    local = ~text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
    text = text.where(~local, text + "+08:00").where(shaped)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    return parsed.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)


def _amount_ok(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.replace(r"[,元]", "", regex=True)
    number = pd.to_numeric(text, errors="coerce")
    return values.isna() | (number >= 0)


def _file_states(path: Path) -> pd.DataFrame:
    """The valid lines of one file, with their first effective platform reply."""
    lines, replies = _read_file(path)
    lines["updated_ts"] = _timestamps(lines["updated_at"])
    lines["submitted_ts"] = _timestamps(lines["submitted_at"])
    lines["transferred_ts"] = _timestamps(lines["transferred_at"])
    score = pd.to_numeric(lines["score"], errors="coerce")
    replies["replied_ts"] = _timestamps(replies["replied_at"])
    replies["transferred_ts"] = (
        lines["transferred_ts"].to_numpy()[replies["row_id"].to_numpy()]
        if len(replies)
        else pd.Series(dtype="datetime64[ns]")
    )
    bad_reply = ~replies["author"].isin(AUTHORS) | replies["replied_ts"].isna()
    early = (replies["author"] == "platform") & (replies["replied_ts"] < replies["transferred_ts"])
    broken = set(replies.loc[bad_reply | early, "row_id"])
    effective = replies[
        (replies["author"] == "platform") & replies["content"].map(lambda c: isinstance(c, str) and c.strip() != "")
    ]
    first_reply = effective.groupby("row_id")["replied_ts"].min()

    valid = (
        lines["complaint_id"].notna()
        & lines["platform"].map(lambda p: isinstance(p, str) and p.strip() != "")
        & lines["updated_ts"].notna()
        & lines["submitted_ts"].notna()
        & lines["status"].isin(STATUSES)
        & lines["domain"].isin(DOMAINS)
        & _amount_ok(lines["amount"])
        & (~lines["has_evaluation"] | score.between(0, 10))
        & lines["replies_ok"]
        & (~lines["status"].isin(TRANSFERRED) | lines["transferred_ts"].notna())
        & ~(lines["transferred_ts"] < lines["submitted_ts"])
        & ~lines.index.isin(list(broken))
    )
    lines["score"] = score
    lines["first_reply_ts"] = first_reply.reindex(lines.index)
    return lines.loc[
        valid,
        [
            "complaint_id",
            "filename",
            "updated_ts",
            "submitted_ts",
            "transferred_ts",
            "platform",
            "status",
            "score",
            "first_reply_ts",
        ],
    ]


def _registry(landing: Path) -> pd.DataFrame:
    current = sorted(landing.glob("platforms-*.csv"))[-1]
    raw = current.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    registry = pd.DataFrame(list(csv.DictReader(io.StringIO(text))))
    registry["platform"] = registry["platform"].map(lambda p: unicodedata.normalize("NFKC", p.strip()))
    for column in ("onboarded_at", "offboarded_at"):
        registry[column] = pd.to_datetime(registry[column].str.strip(), format="%Y-%m-%d", errors="coerce")
    registry["contact"] = registry["after_sales_contact"].str.strip() == "是"
    return registry


def monthly_ratings(landing: Path) -> pd.DataFrame:
    states = pd.concat([_file_states(path) for path in sorted(landing.glob("complaints-*.jsonl*"))], ignore_index=True)
    current = states.sort_values(["complaint_id", "updated_ts", "filename"]).drop_duplicates(
        "complaint_id", keep="last"
    )
    rated = current[current["status"].isin(TRANSFERRED)].copy()
    rated["platform"] = rated["platform"].map(lambda p: unicodedata.normalize("NFKC", p.strip()).strip())
    rated["period_key"] = rated["submitted_ts"].dt.strftime("%Y-%m")
    hours = (rated["first_reply_ts"] - rated["transferred_ts"]).dt.total_seconds() / 3600
    rated["timeliness"] = np.select([hours < 72, hours < 120], [1.0, 0.6], 0.0)
    rated["replied"] = rated["first_reply_ts"].notna()
    monthly = (
        rated.groupby(["platform", "period_key"])
        .agg(
            n_complaints=("complaint_id", "size"),
            n_replied=("replied", "sum"),
            timeliness=("timeliness", "mean"),
            n_scored=("score", "count"),
            score_sum=("score", "sum"),
        )
        .reset_index()
    )
    monthly["reply_rate"] = monthly["n_replied"] / monthly["n_complaints"]
    monthly["satisfaction"] = np.where(
        monthly["n_scored"] > 0, monthly["score_sum"] / monthly["n_scored"].clip(lower=1), 0.0
    )
    monthly["composite_index"] = (
        monthly["reply_rate"] * 0.5 + monthly["timeliness"] * 0.3 + monthly["satisfaction"] / 10 * 0.2
    )
    period_end = pd.to_datetime(monthly["period_key"] + "-01") + pd.offsets.MonthEnd(0)
    registry = _registry(landing).set_index("platform")
    entry = registry.reindex(monthly["platform"])
    eligible = (
        entry["contact"].fillna(False).to_numpy().astype(bool)
        & (entry["onboarded_at"].to_numpy() <= period_end.to_numpy())
        & (entry["offboarded_at"].isna().to_numpy() | (entry["offboarded_at"].to_numpy() > period_end.to_numpy()))
    )
    monthly["rating"] = np.select(
        [~eligible, monthly["composite_index"] < 0.4, monthly["composite_index"] < 0.75],
        ["不予评级", "不建议下单", "谨慎下单"],
        "建议下单",
    )
    return monthly[
        [
            "platform",
            "period_key",
            "n_complaints",
            "n_replied",
            "reply_rate",
            "timeliness",
            "n_scored",
            "satisfaction",
            "composite_index",
            "rating",
        ]
    ]


if __name__ == "__main__":
    monthly_ratings(Path(sys.argv[1])).to_parquet(sys.argv[2], index=False)
