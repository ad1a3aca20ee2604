"""Render a period's report from the marts into one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from orchestration.paths import write_text_atomically
from orchestration.reference import rating_grades
from orchestration.report import charts
from orchestration.report.data import PlatformSection, ReportData, load

NUMERALS = "一二三四五六七八九十"
# The annual summary's count column of each grade, with the grade's name.
GRADES = tuple((f"n_{code}", name) for code, name in rating_grades())
NO_REPLY = "接到该用户投诉后，我们第一时间将投诉案件移交该平台督办处理，但截至发稿前，尚未收到被投诉平台的有效回复。"


def numeral(number: int) -> str:
    if number <= 10:
        return NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def dec(value: float) -> str:
    return f"{value:.3f}"


def _listing(items: list[tuple[str, float]], limit: int = 10) -> str:
    return "、".join(f"{label}（{pct(share)}）" for label, share in items[:limit])


def _known(items: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Values a sentence names: 未知 and the catch-all 其他 are charted, not named."""
    return [(label, share) for label, share in items if label not in ("未知", "其他")]


def _board_sentence(data: ReportData) -> str:
    by_rating: dict[str, list[str]] = {}
    for row in data.rating_board:
        by_rating.setdefault(row["rating"], []).append(row["platform"])
    parts = [f"{'、'.join(names)}获“{rating}”" for rating, names in by_rating.items()]
    return f"在“{data.period_title}{data.domain}消费评级榜”中，" + "；".join(parts) + "。" if parts else ""


def _overall(data: ReportData) -> list[dict]:
    d = data.distribution
    label = f"{data.period_title}{data.domain}用户投诉"
    genders = {value: share for value, share in d["gender"]}
    # Each sentence names exactly what its chart shows, in the chart's order.
    problems, provinces = d["problem_type"][:10], _known(d["province"])[:10]
    return [
        {
            "title": "投诉问题类型分布",
            "chart": charts.bar_chart(f"{label}问题占比图", problems),
            "sentence": f"{data.period_title}{data.domain}用户投诉问题类型TOP{len(problems)}依次为：{_listing(problems)}。",
        },
        {
            "title": "投诉地区分布",
            "chart": charts.bar_chart(f"{label}地区占比图", provinces),
            "sentence": f"投诉用户聚集地区TOP{len(provinces)}依次为：{_listing(provinces)}。",
        },
        {
            "title": "投诉用户性别分布",
            "chart": charts.pie_chart(f"{label}性别占比图", d["gender"]),
            "sentence": f"男性用户投诉比例为{pct(genders.get('男', 0))}，女性用户投诉比例为{pct(genders.get('女', 0))}。",
        },
        {
            "title": "投诉金额区间分布",
            "chart": charts.bar_chart(f"{label}金额占比图", d["amount_band"]),
            "sentence": f"投诉金额分布依次为：{_listing(_known(d['amount_band']))}。",
        },
    ]


def _platform_context(data: ReportData, section: PlatformSection) -> dict:
    summary = section.summary
    grades = "、".join(f"{summary[key]}次为“{label}”" for key, label in GRADES if summary.get(key))
    count_sentence = (
        f"据监测数据显示，{data.period_title}“{section.platform}”共获得{summary.get('n_ratings', 0)}次消费评级，"
        f"其中{grades}，{data.period_title}整体消费评级为“{summary.get('period_rating', '')}”评级。"
    )
    d = section.distribution
    genders = {value: share for value, share in d["gender"]}
    problems = "、".join(label for label, _ in _known(d["problem_type"])[:3])
    provinces = "、".join(label for label, _ in _known(d["province"])[:6])
    bands = "、".join(label for label, _ in _known(d["amount_band"]))
    profile_sentence = (
        f"{data.period_title}，用户投诉“{section.platform}”的问题类型主要集中于{problems or '未知'}；"
        f"投诉用户聚集地区为{provinces or '未知'}；其中，女性用户投诉比例为{pct(genders.get('女', 0))}、"
        f"男性用户投诉比例为{pct(genders.get('男', 0))}；投诉金额分布于{bands or '未知'}区间。"
    )
    cases = []
    for case in section.cases:
        day = case["submitted_date"]
        reply = case["platform_reply"]
        cases.append(
            {
                **case,
                "date_text": f"{day.month}月{day.day}日",
                "where": case["province"] if case["province"] != "未知" else "某地",
                "reply_text": f"平台回复称：{reply}" if reply else NO_REPLY,
            }
        )
    return {
        "platform": section.platform,
        "periods": section.periods,
        "count_sentence": count_sentence,
        "profile_sentence": profile_sentence,
        "cases": cases,
    }


def render(data: ReportData) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("template.html.j2")
    return template.render(
        year=data.year,
        period_title=data.period_title,
        domain=data.domain,
        n_complaints=data.n_complaints,
        complaint_board=data.complaint_board,
        rating_board=data.rating_board,
        board_sentence=_board_sentence(data),
        overall=_overall(data),
        platforms=[_platform_context(data, section) for section in data.platforms],
        generated_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        numeral=numeral,
        pct=pct,
        dec=dec,
    )


def write_report(serving_db: Path, reports_dir: Path, period_key: str, domain: str) -> Path:
    """Write `reports/<period_key>-<domain>.html` atomically (aside, then rename)."""
    html = render(load(serving_db, period_key, domain))
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = reports_dir / f"{period_key}-{domain}.html"
    write_text_atomically(target, html)
    return target
