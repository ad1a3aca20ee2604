"""A plain Python reading of SPEC sections 3 and 4, independent of tousu's SQL.

Tests run it over a landing zone and compare tousu's audit tables and marts with
its verdicts: the reason of every quarantined line, and every platform rating
to 1e-9. It favours being obviously right over being fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DOMAINS = {"金融科技", "数字零售", "数字生活", "数字健康", "数字教育", "跨境电商", "产业电商", "物流科技", "其他"}
STATUSES = {"未审核", "已驳回", "已撤回", "已移交", "已受理", "已评价"}
TRANSFERRED = {"已移交", "已受理", "已评价"}
AUTHORS = {"platform", "mediator", "user"}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TS = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?",
    re.ASCII,  # digits are ASCII digits, as in the SQL (RE2)
)
EXTRA_SPACE = "\ufeff\u200b"
# The repository's contract (docs/spec.md): a complaint's own timestamps lie
# between 2000-01-01 and one day after the ingestion, Asia/Shanghai local time.
EARLIEST_PLAUSIBLE = dt.datetime(2000, 1, 1)


def latest_plausible(now: dt.datetime | None = None) -> dt.datetime:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(SHANGHAI).replace(tzinfo=None) + dt.timedelta(days=1)


class NotStrictJson(ValueError):
    pass


def _refuse_constant(name: str):
    raise NotStrictJson(f"{name} is not JSON")


def _unique_members(pairs: list) -> dict:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise NotStrictJson("a member name twice in one object")
    return dict(pairs)


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def strict_json(text: str):
    """RFC 8259 JSON: no NaN/Infinity, no member name twice in one object, and
    (UTF-8 text) no escaped lone surrogate."""
    value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_members)
    if _has_lone_surrogate(value):
        raise NotStrictJson("a lone surrogate")
    return value


def nfkc(text: str) -> str:
    """The one text normalisation: format characters (Unicode category Cf:
    zero-width space, BOM …) removed, then NFKC."""
    return unicodedata.normalize("NFKC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf"))


def normalise_name(text: str) -> str:
    """Platform names: normalised (nfkc), white space trimmed."""
    return strip(nfkc(text))


def is_space(ch: str) -> bool:
    return ch.isspace() or ch in EXTRA_SPACE


def strip(text: str) -> str:
    start, end = 0, len(text)
    while start < end and is_space(text[start]):
        start += 1
    while end > start and is_space(text[end - 1]):
        end -= 1
    return text[start:end]


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and strip(value) == "")


def parse_ts(value) -> dt.datetime | None:
    """Asia/Shanghai local (naive) time, or None when not a contract timestamp."""
    if not isinstance(value, str):
        return None
    m = TS.fullmatch(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zulu, sign, oh, om = m.groups()
    if int(h) > 23 or int(mi) > 59 or int(s) > 59:
        return None
    if sign and (int(oh) > 23 or int(om or 0) > 59):
        return None
    try:
        local = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")[:6]))
    except ValueError:
        return None
    if not (zulu or sign):
        return local
    offset = dt.timedelta(0) if zulu else dt.timedelta(hours=int(oh), minutes=int(om or 0)) * (1 if sign == "+" else -1)
    try:
        return local.replace(tzinfo=dt.timezone(offset)).astimezone(SHANGHAI).replace(tzinfo=None)
    except OverflowError:  # valid, but past year 9999 (or before year 1) in Shanghai: never plausible
        return dt.datetime.max if local.year == 9999 else dt.datetime.min


def parse_amount(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = strip(value)
        text = re.sub(r"^[¥￥]\s*", "", text)
        text = re.sub(r"\s*元$", "", text)
        text = text.replace(",", "").replace("，", "")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text, re.ASCII):
            return None
        number = float(text)
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def classify(raw: bytes, now: dt.datetime | None = None) -> tuple[str | None, dict | None]:
    """(reason, record); reason 'blank' for a blank line, None for a valid one.
    `now`: the ingestion time that bounds plausible timestamps (default: now)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "encoding", None
    if text.endswith("\r"):
        text = text[:-1]
    if strip(text) == "":
        return "blank", None
    try:
        record = strict_json(text)
    except ValueError:
        return "invalid_json", None
    if not isinstance(record, dict):
        return "not_an_object", None
    for name in ("complaint_id", "updated_at", "submitted_at", "platform", "domain", "status"):
        value = record.get(name)
        if name in ("complaint_id", "platform"):
            missing = not isinstance(value, str) or blank(value)
        else:
            missing = value is None or (isinstance(value, str) and blank(value))
        if missing:
            return f"missing_field:{name}", None
    if len(strip(record["complaint_id"])) > 64:
        return "missing_field:complaint_id", None
    for name in ("updated_at", "submitted_at"):
        if parse_ts(record[name]) is None:
            return f"invalid_timestamp:{name}", None
    if record.get("transferred_at") is not None and parse_ts(record["transferred_at"]) is None:
        return "invalid_timestamp:transferred_at", None
    latest = latest_plausible(now)
    for name in ("updated_at", "submitted_at", "transferred_at"):
        value = parse_ts(record.get(name))
        if value is not None and not EARLIEST_PLAUSIBLE <= value <= latest:
            return f"implausible_timestamp:{name}", None
    status = record["status"]
    if not isinstance(status, str) or strip(status) not in STATUSES:
        return "invalid_status", None
    if not isinstance(record["domain"], str) or strip(record["domain"]) not in DOMAINS:
        return "unknown_domain", None
    if record.get("amount") is not None and parse_amount(record["amount"]) is None:
        return "invalid_amount", None
    evaluation = record.get("evaluation")
    if evaluation is not None:
        if not isinstance(evaluation, dict):
            return "invalid_score", None
        score = evaluation.get("score")
        if not is_number(score) or not 0 <= score <= 10:
            return "invalid_score", None
        if evaluation.get("evaluated_at") is not None and parse_ts(evaluation["evaluated_at"]) is None:
            return "invalid_score", None
    replies = record.get("replies")
    if replies is not None:
        if not isinstance(replies, list):
            return "invalid_reply", None
        for reply in replies:
            if not (
                isinstance(reply, dict)
                and parse_ts(reply.get("replied_at")) is not None
                and reply.get("author") in AUTHORS
                and (reply.get("content") is None or isinstance(reply.get("content"), str))
            ):
                return "invalid_reply", None
    transferred = parse_ts(record.get("transferred_at"))
    if strip(status) in TRANSFERRED and transferred is None:
        return "missing_transferred_at", None
    submitted = parse_ts(record["submitted_at"])
    if transferred is not None and transferred < submitted:
        return "transfer_before_submit", None
    for reply in replies or []:
        if reply["author"] == "platform" and transferred is not None and parse_ts(reply["replied_at"]) < transferred:
            return "reply_before_transfer", None
    return None, record


def file_lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


@dataclass
class Landing:
    """The oracle's verdict on a landing zone."""

    verdicts: dict[tuple[str, int], str]  # (file, line) → reason; 'loaded' / 'blank'
    complaints: dict[str, dict]  # complaint_id → current state (record + provenance)
    registry: dict[str, dict]  # platform → current registry row


def read_landing(landing: Path) -> Landing:
    verdicts: dict[tuple[str, int], str] = {}
    states: dict[str, tuple] = {}
    seen_content: set[tuple[str, bytes]] = set()  # (kind, bytes): duplicates within a kind
    registries: dict[str, list[dict]] = {}
    for path in sorted(landing.iterdir(), key=lambda p: p.name):
        content = path.read_bytes()
        kind = "platforms" if path.name.startswith("platforms-") and path.name.endswith(".csv") else "complaints"
        if kind == "complaints" and not re.fullmatch(r"complaints-.*\.jsonl(\.gz)?", path.name):
            continue
        if (kind, content) in seen_content:
            continue  # a duplicate file: its lines were judged with the original
        seen_content.add((kind, content))
        if kind == "platforms":
            rows = read_registry(path, verdicts)
            if rows is not None:
                registries[path.name] = rows
            continue
        for line_no, raw in enumerate(file_lines(path), start=1):
            reason, record = classify(raw)
            verdicts[(path.name, line_no)] = reason or "loaded"
            if record is None:
                continue
            key = strip(record["complaint_id"])
            rank = (parse_ts(record["updated_at"]), path.name, line_no)
            if key not in states or rank > states[key][0]:
                states[key] = (rank, record, path.name, line_no)
    complaints = {
        key: {**record, "_file": name, "_line": line_no} for key, (_, record, name, line_no) in states.items()
    }
    current = registries[max(registries)] if registries else []
    registry = {row["platform"]: row for row in current}  # later lines win
    return Landing(verdicts, complaints, registry)


def read_registry(path: Path, verdicts: dict) -> list[dict] | None:
    """The registry's valid rows; None when the file fails as a whole (empty,
    a column named twice)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if not header or len(set(header)) != len(header):
        return None
    rows = []
    for fields in reader:
        line_no = reader.line_num
        if not fields or (len(fields) == 1 and blank(fields[0])):
            verdicts[(path.name, line_no)] = "blank"
            continue
        row = dict(zip(header, fields, strict=False))  # a wrong column count is judged below
        reason = None
        if len(fields) != len(header):
            reason = "wrong_column_count"
        elif blank(row["platform"]):
            reason = "missing_field:platform"
        elif blank(row["domain"]):
            reason = "missing_field:domain"
        elif strip(row["domain"]) not in DOMAINS:
            reason = "unknown_domain"
        else:
            for column in ("onboarded_at", "offboarded_at"):
                value = strip(row[column])
                if value and not _is_date(value):
                    reason = f"invalid_date:{column}"
                    break
            if reason is None and strip(row["after_sales_contact"]) not in ("是", "否"):
                reason = "invalid_after_sales_contact"
        verdicts[(path.name, line_no)] = reason or "loaded"
        if reason is None:
            rows.append(
                {
                    "platform": normalise_name(row["platform"]),
                    "domain": strip(row["domain"]),
                    "onboarded_at": _date(row["onboarded_at"]),
                    "offboarded_at": _date(row["offboarded_at"]),
                    "after_sales": strip(row["after_sales_contact"]) == "是",
                }
            )
    return rows


def _is_date(value: str) -> bool:
    date = _date(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    return date is not None and date.year >= 1900


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(strip(value))
    except ValueError:
        return None


# ----------------------------------------------------------------------------- ratings


def periods_of(day: dt.date, rate_second_half: bool = False) -> list[tuple[str, dt.date]]:
    """(period_key, period_end) of every rated period containing `day`."""
    y, m = day.year, day.month
    q = (m - 1) // 3 + 1
    month_end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    quarter_end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    keys = [(f"{y}", dt.date(y, 12, 31)), (f"{y}-Q{q}", quarter_end), (f"{y}-{m:02d}", month_end)]
    if m <= 6:
        keys.append((f"{y}-H1", dt.date(y, 6, 30)))
    elif rate_second_half:
        keys.append((f"{y}-H2", dt.date(y, 12, 31)))
    return keys


def effective(reply: dict) -> bool:
    return reply["author"] == "platform" and not blank(reply.get("content"))


def complaint_metrics(record: dict) -> tuple[bool, float, float | None]:
    """(has effective reply, timeliness, score)."""
    transferred = parse_ts(record["transferred_at"])
    replies = [parse_ts(r["replied_at"]) for r in record.get("replies") or [] if effective(r)]
    if not replies:
        timeliness = 0.0
    else:
        hours = (min(replies) - transferred).total_seconds() / 3600
        timeliness = 1.0 if hours < 72 else 0.6 if hours < 120 else 0.0
    evaluation = record.get("evaluation")
    score = float(evaluation["score"]) if isinstance(evaluation, dict) else None
    return bool(replies), timeliness, score


def platform_domain(landing: Landing) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in landing.complaints.values():
        counts[platform_name(record)][strip(record["domain"])] += 1
    domains = {p: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for p, c in counts.items()}
    domains.update({p: row["domain"] for p, row in landing.registry.items()})
    return domains


def platform_name(record: dict) -> str:
    return normalise_name(record["platform"])


def ratings(landing: Landing, rate_second_half: bool = False) -> dict[tuple[str, str], dict]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    ends: dict[str, dt.date] = {}
    for record in landing.complaints.values():
        if strip(record["status"]) not in TRANSFERRED:
            continue
        day = parse_ts(record["submitted_at"]).date()
        for key, end in periods_of(day, rate_second_half):
            groups[(platform_name(record), key)].append(complaint_metrics(record))
            ends[key] = end
    domains = platform_domain(landing)
    out = {}
    for (platform, key), metrics in groups.items():
        n = len(metrics)
        reply_rate = sum(1 for replied, _, _ in metrics if replied) / n
        timeliness = sum(t for _, t, _ in metrics) / n
        scores = [s for _, _, s in metrics if s is not None]
        satisfaction = sum(scores) / len(scores) if scores else 0.0
        index = reply_rate * 0.5 + timeliness * 0.3 + satisfaction / 10 * 0.2
        reg = landing.registry.get(platform)
        end = ends[key]
        eligible = bool(
            reg
            and reg["onboarded_at"] is not None
            and reg["onboarded_at"] <= end
            and (reg["offboarded_at"] is None or reg["offboarded_at"] > end)
            and reg["after_sales"]
        )
        rating = (
            "不予评级" if not eligible else "不建议下单" if index < 0.4 else "谨慎下单" if index < 0.75 else "建议下单"
        )
        out[(platform, key)] = {
            "domain": domains[platform],
            "n_complaints": n,
            "reply_rate": reply_rate,
            "timeliness": timeliness,
            "n_scored": len(scores),
            "satisfaction": satisfaction,
            "composite_index": index,
            "eligible": eligible,
            "rating": rating,
        }
    return out


# ----------------------------------------------------------------------------- SPEC section 5

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _aliases() -> list[tuple[str, str]]:
    with (SEEDS / "province_aliases.csv").open(encoding="utf-8") as handle:
        return sorted(
            ((row["alias"], row["province"]) for row in csv.DictReader(handle)), key=lambda pair: -len(pair[0])
        )


def province_of(user) -> str:
    text = user.get("province") if isinstance(user, dict) else None
    if not isinstance(text, str):
        return "未知"
    text = strip(nfkc(text)).lower()
    return next((province for alias, province in _aliases() if text.startswith(alias)), "未知")


def amount_band(record: dict) -> str:
    amount = parse_amount(record["amount"]) if record.get("amount") is not None else None
    if amount is None:
        return "未知"
    for upper, band in (
        (100, "0-100元"),
        (500, "100-500元"),
        (1000, "500-1000元"),
        (5000, "1000-5000元"),
        (10000, "5000-10000元"),
    ):
        if amount < upper:
            return band
    return "10000元以上"


def dimensions(record: dict) -> dict[str, str]:
    user = record.get("user") if isinstance(record.get("user"), dict) else {}
    problem = record.get("problem_type")
    problem = strip(nfkc(problem)) if isinstance(problem, str) else ""
    gender = user.get("gender")
    return {
        "problem_type": problem or "未知",
        "province": province_of(user),
        "gender": strip(gender) if isinstance(gender, str) and strip(gender) in ("男", "女") else "未知",
        "amount_band": amount_band(record),
    }


def rated(landing: Landing):
    for record in landing.complaints.values():
        if strip(record["status"]) in TRANSFERRED:
            yield record, parse_ts(record["submitted_at"]).date()


def distributions(landing: Landing) -> tuple[dict, dict]:
    """(platform, period, dimension, value) and (domain, …) → (n, share)."""
    domains = platform_domain(landing)
    by_platform: dict[tuple, int] = defaultdict(int)
    by_domain: dict[tuple, int] = defaultdict(int)
    for record, day in rated(landing):
        platform = platform_name(record)
        for key, _ in periods_of(day):
            for dimension, value in dimensions(record).items():
                by_platform[(platform, key, dimension, value)] += 1
                by_domain[(domains[platform], key, dimension, value)] += 1

    def with_shares(counts):
        totals: dict[tuple, int] = defaultdict(int)
        for (member, key, dimension, _), n in counts.items():
            totals[(member, key, dimension)] += n
        return {k: (n, n / totals[k[:3]]) for k, n in counts.items()}

    return with_shares(by_platform), with_shares(by_domain)


def boards(rating_rows: dict, min_complaints: int = 1) -> tuple[dict, dict]:
    """rating_board and complaint_board as (domain, period, platform) → rank."""
    groups: dict[tuple, list] = defaultdict(list)
    for (platform, key), row in rating_rows.items():
        groups[(row["domain"], key)].append((platform, row))
    rating_board, complaint_board = {}, {}
    for (domain, key), members in groups.items():
        for platform, row in members:
            if row["n_complaints"] >= min_complaints:
                rating_board[(domain, key, platform)] = 1 + sum(
                    1
                    for _, other in members
                    if other["n_complaints"] >= min_complaints
                    and other["composite_index"] > row["composite_index"] + 1e-12
                )
            for board_domain in (domain, "总榜"):
                peers = members if board_domain == domain else [(p, r) for (p, k), r in rating_rows.items() if k == key]
                complaint_board[(board_domain, key, platform)] = 1 + sum(
                    1 for _, other in peers if other["n_complaints"] > row["n_complaints"]
                )
    return rating_board, complaint_board


def annual_summary(rating_rows: dict) -> dict[tuple[str, int], dict]:
    summary: dict[tuple[str, int], dict] = {}
    for (platform, key), row in rating_rows.items():
        entry = summary.setdefault(
            (platform, int(key[:4])),
            {
                "n_ratings": 0,
                "annual_rating": None,
                **{rating: 0 for rating in ("建议下单", "谨慎下单", "不建议下单", "不予评级")},
            },
        )
        entry["n_ratings"] += 1
        entry[row["rating"]] += 1
        if len(key) == 4:
            entry["annual_rating"] = row["rating"]
    return summary


def typical_cases(landing: Landing) -> dict[tuple[str, int], list[str]]:
    groups: dict[tuple[str, int], list] = defaultdict(list)
    for record, day in rated(landing):
        replied, _, _ = complaint_metrics(record)
        amount = parse_amount(record["amount"]) if record.get("amount") is not None else None
        key = (replied, amount is None, -(amount or 0), parse_ts(record["submitted_at"]), strip(record["complaint_id"]))
        groups[(platform_name(record), day.year)].append((key, strip(record["complaint_id"])))
    return {group: [cid for _, cid in sorted(members)[:3]] for group, members in groups.items()}
