"""A landing zone written from SPEC alone, not by tousu's generator: every
spelling and defect section 3 allows, arriving in several batches."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from pathlib import Path

REGISTRY_HEADER = "platform,domain,industry,onboarded_at,offboarded_at,after_sales_contact"
# platform as complaints spell it → (registry name, domain)
PLATFORMS = {
    "阿尔法商城": "数字零售",
    "ＢＥＴＡ": "数字生活",  # NFKC → BETA
    " 伽马金融 ": "金融科技",  # trimmed
    "德尔塔\u3000": "金融科技",  # full-width space trimmed
    "艾普西隆": "跨境电商",
    "泽塔": "其他",
    "未登记平台": "数字教育",
    "半年平台": "物流科技",
}
REGISTRY_ROWS = [
    "阿尔法商城,数字零售,综合,2020-01-01,,是",
    "BETA,数字生活,本地,2024-03-31,,是",  # eligible from March (end 03-31) on
    "伽马金融,金融科技,贷款,2019-01-01,2024-06-30,是",  # offboarded on H1's last day: not eligible for H1
    "德尔塔,金融科技,支付,2019-01-01,,否",  # no after-sales contact
    "艾普西隆,跨境电商,跨境,,,是",  # never onboarded
    "泽塔,其他,,2018-05-05,,是",
    "半年平台,物流科技,货运,2024-05-15,2024-11-30,是",
]
STATUS_PATH = ["未审核", "已移交", "已受理", "已评价"]

# One complaint whose complainant gives a full name and phone in a later state.
PERSONAL_FILE = "complaints-2025-01-01.jsonl"
PERSONAL_ID = "P00001"
PERSONAL_NAME = "欧阳清秘"
PERSONAL_PHONE = "13912345678"
_PERSONAL_FIRST = {
    "complaint_id": PERSONAL_ID,
    "updated_at": "2024-11-02 10:00:00",
    "submitted_at": "2024-11-02 10:00:00",
    "platform": "泽塔",
    "domain": "其他",
    "status": "已移交",
    "transferred_at": "2024-11-02 11:00:00",
    "title": "退款未到账",
    "user": {"name": "欧阳", "gender": "女"},
}
PERSONAL_STATES = [
    _PERSONAL_FIRST,
    dict(
        _PERSONAL_FIRST,
        updated_at="2024-12-31 23:00:00",
        status="已受理",
        replies=[{"replied_at": "2024-11-03 09:00:00", "author": "platform", "content": "已退款"}],
        user={"name": PERSONAL_NAME, "phone": PERSONAL_PHONE, "gender": "女"},
    ),
]


def _ts(moment: dt.datetime, rng: random.Random) -> str:
    """One instant (Shanghai local) in one of the spellings SPEC allows."""
    style = rng.randrange(6)
    if style == 0:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style == 1:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"
    if style == 2:
        return (moment - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    if style == 3:
        return (moment - dt.timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S") + "+05:30"
    if style == 4:
        return (moment - dt.timedelta(hours=11)).strftime("%Y-%m-%d %H:%M:%S") + "-03:00"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".000000+08:00"


def _reply_offsets(rng: random.Random) -> list[tuple[float, str, str]]:
    """(hours after transfer, author, content) — boundary hours on purpose."""
    hours = rng.choice([1.0, 71.99, 72.0, 100.0, 119.99, 120.0, 200.0])
    replies = [(hours, "platform", rng.choice(["已处理", "您好，已退款", "ok"]))]
    if rng.random() < 0.3:
        replies.append((max(0.1, hours - 0.5), "platform", rng.choice(["", "   ", "\u3000\u3000", "\t"])))
    if rng.random() < 0.3:
        replies.append((0.2, "mediator", "已转交"))
    if rng.random() < 0.2:
        replies.append((0.3, "user", "请尽快"))
    return replies


def _complaint_states(rng: random.Random, number: int) -> list[dict]:
    platform = rng.choice(list(PLATFORMS))
    submitted = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(365 * 86400))
    transferred = submitted + dt.timedelta(hours=rng.choice([0, 1, 30]))
    base = {
        "complaint_id": f"  F{number:05d} " if rng.random() < 0.1 else f"F{number:05d}",
        "platform": platform,
        "domain": PLATFORMS[platform],
        "problem_type": rng.choice(["退款问题", "信息泄露", None]),
        "amount": rng.choice([None, 99.5, "6,000.00元", "￥1,200", 0, "12"]),
        "user": {
            "name": "王小明",
            "gender": rng.choice(["男", "女", "x"]),
            "province": rng.choice(["广西", "北京市", "Guangdong"]),
        },
    }
    final = rng.choice([0, 1, 1, 2, 2, 3, 3])
    if rng.random() < 0.08:
        final_status = rng.choice(["已驳回", "已撤回"])
    else:
        final_status = STATUS_PATH[final]
    replies = _reply_offsets(rng)
    states = []
    moment = submitted
    for step in range(final + 1):
        status = STATUS_PATH[step] if step < final or final_status in STATUS_PATH else final_status
        if step == final:
            status = final_status
        state = dict(base, status=status, submitted_at=_ts(submitted, rng), updated_at=_ts(moment, rng))
        if status in ("已移交", "已受理", "已评价") or (status in ("已驳回", "已撤回") and rng.random() < 0.5):
            state["transferred_at"] = _ts(transferred, rng)
        if step >= 2 and status != "已驳回":
            state["replies"] = [
                {"replied_at": _ts(transferred + dt.timedelta(hours=h), rng), "author": a, "content": c}
                for h, a, c in replies
            ]
            moment = max(moment, transferred + dt.timedelta(hours=max(h for h, _, _ in replies)))
            state["updated_at"] = _ts(moment, rng)
        if step == 3 and status == "已评价":
            state["evaluation"] = {"score": rng.choice([0, 3, 7.5, 10]), "evaluated_at": _ts(moment, rng)}
        states.append(state)
        moment += dt.timedelta(hours=rng.randrange(1, 50))
    if states[-1]["status"] in ("已驳回", "已撤回") and "transferred_at" not in states[-1]:
        states[-1].pop("replies", None)
    return states


# Most defects are one valid-looking record with one field wrong: the
# record below, with the fields given (the others keep their place, so the
# bytes are those of the record written out whole).
_DEFECT_RECORD = {
    "complaint_id": None,
    "updated_at": "2024-05-01 10:00:00",
    "submitted_at": "2024-05-01 10:00:00",
    "platform": "泽塔",
    "domain": "其他",
    "status": "未审核",
}


def _defect(complaint_id: str, **fields) -> bytes:
    return json.dumps({**_DEFECT_RECORD, "complaint_id": complaint_id, **fields}).encode()


DEFECTS = [
    b"\xff\xfe not utf-8 {}",
    b'{"complaint_id": "X1", ',
    b"[1, 2, 3]",
    b'"just a string"',
    json.dumps({"updated_at": "2024-05-01 10:00:00"}).encode(),
    _defect("D1", updated_at="2024-05-01T25:00:00"),
    _defect("D2", submitted_at=20240501),
    _defect("D3", status="done"),
    _defect("D4", domain="金融"),
    _defect("D5", amount="lots"),
    _defect("D6", status="已评价", transferred_at="2024-05-01 10:00:00", evaluation={"score": "9"}),
    _defect("D7", status="已受理", transferred_at="2024-05-01 10:00:00", replies={"author": "platform"}),
    _defect("D8", status="已受理"),
    _defect("D9", status="已移交", transferred_at="2024-04-30 10:00:00"),
    _defect(
        "D10",
        updated_at="2024-05-03 10:00:00",
        status="已受理",
        transferred_at="2024-05-02 10:00:00",
        replies=[{"replied_at": "2024-05-02 09:00:00", "author": "platform", "content": "x"}],
    ),
    _defect("D11", platform="\u3000 "),
    _defect("D12", status="已评价", transferred_at="2024-05-01 10:00:00", evaluation={"score": 10.5}),
    _defect("D13", amount=-1),
    # never transferred, yet a platform reply: valid, and no data test may fail on it
    _defect(
        "V1",
        updated_at="2024-05-02 10:00:00",
        platform="泽\u200b塔",
        replies=[{"replied_at": "2024-05-01 11:00:00", "author": "platform", "content": "已联系"}],
    ),
    # timestamps outside the plausible range
    _defect("D14", updated_at="0001-01-01 09:00:00", submitted_at="0001-01-01 09:00:00"),
    _defect("D15", updated_at="9999-12-31T23:00:00-12:00"),
    # not RFC 8259 JSON: a trailing comma, NaN, a member name twice
    b'{"complaint_id": "D16", "updated_at": "2024-05-01 10:00:00", "submitted_at": "2024-05-01 10:00:00", "platform": "\xe6\xb3\xbd\xe5\xa1\x94", "domain": "\xe5\x85\xb6\xe4\xbb\x96", "status": "\xe6\x9c\xaa\xe5\xae\xa1\xe6\xa0\xb8",}',
    b'{"complaint_id": "D17", "updated_at": "2024-05-01 10:00:00", "submitted_at": "2024-05-01 10:00:00", "platform": "\xe6\xb3\xbd\xe5\xa1\x94", "domain": "\xe5\x85\xb6\xe4\xbb\x96", "status": "\xe6\x9c\xaa\xe5\xae\xa1\xe6\xa0\xb8", "amount": NaN}',
    b'{"complaint_id": "D18", "updated_at": "2024-05-01 10:00:00", "submitted_at": "2024-05-01 10:00:00", "platform": "\xe6\xb3\xbd\xe5\xa1\x94", "domain": "\xe5\x85\xb6\xe4\xbb\x96", "status": "\xe6\x9c\xaa\xe5\xae\xa1\xe6\xa0\xb8", "status": "bogus"}',
]


# A complaint whose two states tie on updated_at (the file name breaks the tie).
TIE_STATE = {
    "complaint_id": "TIE1",
    "updated_at": "2024-07-01 12:00:00",
    "submitted_at": "2024-07-01 09:00:00",
    "platform": "泽塔",
    "domain": "其他",
    "transferred_at": "2024-07-01 10:00:00",
}


def late_reply_line() -> bytes:
    """TIE1 weeks later, with a second reply: a change to one complaint of July 2024."""
    state = _accepted_with_reply(TIE_STATE, "2024-07-01 12:00:00", "好")
    state["updated_at"] = "2024-07-20 08:00:00"
    state["replies"].append({"replied_at": "2024-07-20 08:00:00", "author": "platform", "content": "已退款"})
    return json.dumps(state, ensure_ascii=False).encode() + b"\n"


def _accepted_with_reply(state: dict, replied_at: str, content: str) -> dict:
    return dict(state, status="已受理", replies=[{"replied_at": replied_at, "author": "platform", "content": content}])


def write_foreign_landing(out: Path, seed: int = 7, n_complaints: int = 400) -> list[list[str]]:
    """Write the files into `out`; return them as batches in arrival order."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_files = 6
    files: list[list[bytes]] = [[] for _ in range(n_files)]
    for number in range(n_complaints):
        states = _complaint_states(rng, number)
        # states land in non-decreasing file order; a later state may share
        # its updated_at with an earlier one (a tie the file name breaks)
        slot = rng.randrange(n_files)
        for state in states:
            files[slot].append(json.dumps(state, ensure_ascii=False).encode())
            slot = min(n_files - 1, slot + rng.randrange(0, 2))
        if rng.random() < 0.05:  # a later, defective state: the valid one stays in force
            bad = dict(states[-1], status="已完结", updated_at="2025-06-01 00:00:00")
            files[n_files - 1].append(json.dumps(bad, ensure_ascii=False).encode())
    # exact ties: the same updated_at for two states in two files / one file
    tie = TIE_STATE
    files[1].append(json.dumps(dict(tie, status="已移交")).encode())
    files[4].append(json.dumps(_accepted_with_reply(tie, "2024-07-01 12:00:00", "好")).encode())
    tie2 = dict(tie, complaint_id="TIE2")
    files[2].append(json.dumps(_accepted_with_reply(tie2, "2024-07-01 11:00:00", "a")).encode())
    files[2].append(json.dumps(dict(tie2, status="已移交")).encode())
    for number, defect in enumerate(DEFECTS):
        files[number % n_files].insert(rng.randrange(len(files[number % n_files]) + 1), defect)
    for lines in files:
        for _ in range(3):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice([b"", b"   ", b"\xe3\x80\x80"]))

    names = []
    for index, lines in enumerate(files, start=1):
        ending = b"\r\n" if index == 2 else b"\n"
        data = ending.join(lines) + (b"" if index == 3 else ending)  # file 3: no final newline
        if index == 1:
            data = b"\xef\xbb\xbf" + data
        name = f"complaints-2024-{index:02d}.jsonl"
        if index == 5:
            name += ".gz"
            data = gzip.compress(data, mtime=0)
        (out / name).write_bytes(data)
        names.append(name)
    # the same bytes again under a later name: recorded as a duplicate, loaded once
    (out / "complaints-2024-07-copy.jsonl").write_bytes((out / names[5]).read_bytes())

    old_registry = "\n".join([REGISTRY_HEADER, *REGISTRY_ROWS[:4]]) + "\n"
    (out / "platforms-2024-01.csv").write_bytes(b"\xef\xbb\xbf" + old_registry.encode("utf-8"))
    current = (
        "\n".join(
            [
                REGISTRY_HEADER,
                *REGISTRY_ROWS,
                "",
                "坏行,数字零售,,2024-02-30,,是",
                "缺列,数字零售",
                "未知域,火星,,,,是",
                "售后,数字零售,,,,也许",
            ]
        )
        + "\n"
    )
    (out / "platforms-2024-02.csv").write_bytes(current.encode("gbk"))

    # a complainant who will ask to be erased (tests/e2e/test_purge.py): a full
    # name and phone in a later state, and a broken line naming the complaint
    (out / PERSONAL_FILE).write_bytes(
        b"\n".join(
            [
                json.dumps(PERSONAL_STATES[0], ensure_ascii=False).encode(),
                json.dumps(PERSONAL_STATES[1], ensure_ascii=False).encode(),
                f'{{"complaint_id": "{PERSONAL_ID}", "content": "{PERSONAL_PHONE}", '.encode(),
            ]
        )
        + b"\n"
    )

    # arrival: three builds, not in name order
    return [
        [names[3], names[0], "platforms-2024-01.csv"],
        [names[5], names[1], "platforms-2024-02.csv", names[4]],
        [names[2], "complaints-2024-07-copy.jsonl", PERSONAL_FILE],
    ]
