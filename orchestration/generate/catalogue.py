"""Who the synthetic complaints are about, how each platform behaves, and the
shares the default sample reproduces from the reference report (2024 金融科技).

The reference's shares are counts over 229 complaints (37.99% = 87/229 …); the
calibrated sample allocates its 金融科技 complaints of the year by these shares
exactly (largest-remainder style, via stratified ranks), so the marts' domain
distributions match the report to well under a percentage point.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How a platform handles the complaints transferred to it."""

    reply_share: float  # complaints that get an effective platform reply
    fast_share: float  # of those, replied in under 72 h (the rest split by mid_share)
    mid_share: float  # of those, replied in 72 h to under 120 h; the rest later
    eval_share: float  # of replied ones, evaluated by the user
    score_low: float
    score_high: float


PROFILES: dict[str, Profile] = {
    # Never replies: composite index 0 (分期乐 and the unrated platforms of the report).
    "silent": Profile(0.0, 0.0, 0.0, 0.0, 0, 0),
    "excellent": Profile(0.97, 0.92, 0.06, 0.75, 8, 10),
    "good": Profile(0.90, 0.65, 0.30, 0.65, 6, 9),
    "mediocre": Profile(0.70, 0.40, 0.40, 0.55, 3, 8),
    "poor": Profile(0.20, 0.20, 0.30, 0.40, 0, 4),
}


@dataclass(frozen=True)
class Platform:
    name: str
    domain: str
    industry: str
    profile: str
    # Calibrated platforms get exactly this many rated complaints in the year …
    calibrated_count: int = 0
    # … in exactly these months (None: any month).
    months: tuple[int, ...] | None = None
    # Relative volume among the uncalibrated complaints.
    weight: float = 0.0
    # Registry entry: None = not in the registry at all.
    onboarded: str | None = "2019-01-01"
    offboarded: str = ""
    after_sales: str = "是"
    in_registry: bool = True
    # Complaints only in the year before (the report's "此前也曾收到过" platforms).
    previous_year_only: bool = False
    # Spellings complaints use besides the name (NFKC and trimming fold them).
    spellings: tuple[str, ...] = ()
    # Absent from the first (historical) registry file.
    new_in_current_registry: bool = False

    @property
    def onboarded_at(self) -> str:
        return "" if self.onboarded is None else self.onboarded


FINTECH = "金融科技"
ALL_MONTHS = None

PLATFORMS: tuple[Platform, ...] = (
    # The reference's 投诉榜, in order of volume; the first five as in its tables.
    Platform("分期乐", FINTECH, "消费金融", "silent", 120, ALL_MONTHS, onboarded="2019-05-01"),
    Platform("支付宝", FINTECH, "支付", "silent", 15, (1, 3, 5, 7, 9, 10, 11, 12), in_registry=False),
    Platform("来分期", FINTECH, "消费金融", "silent", 13, (3, 5, 6, 7, 8, 9, 10), onboarded=None),
    Platform("拍拍贷", FINTECH, "网络借贷", "silent", 12, (3, 5, 6, 7, 11, 12), in_registry=False),
    Platform("京东金融", FINTECH, "消费金融", "silent", 9, (7, 8, 11), onboarded=None, after_sales="否"),
    Platform("你我贷", FINTECH, "网络借贷", "excellent", 8),
    Platform("马上金融", FINTECH, "消费金融", "mediocre", 7),
    Platform("360借条", FINTECH, "网络借贷", "poor", 6),
    Platform("玖富万卡", FINTECH, "消费金融", "good", 5),
    Platform("中信银行", FINTECH, "银行电商", "excellent", 4),
    Platform("云闪付", FINTECH, "支付", "mediocre", 3),
    Platform("建行善融商城", FINTECH, "银行电商", "good", 2),
    # Complained about only the year before.
    Platform("58好借", FINTECH, "网络借贷", "poor", weight=0.4, previous_year_only=True),
    Platform("招商银行", FINTECH, "银行电商", "good", weight=0.4, previous_year_only=True),
    Platform("携程金融", FINTECH, "消费金融", "mediocre", weight=0.3, previous_year_only=True),
    Platform("有钱花", FINTECH, "消费金融", "excellent", weight=0.3, previous_year_only=True),
    # Other domains: every grade, and each cause of 不予评级.
    Platform("淘宝", "数字零售", "综合电商", "good", weight=10, spellings=(" 淘宝 ", "淘宝\u3000")),
    Platform("京东", "数字零售", "综合电商", "excellent", weight=9),
    Platform("拼多多", "数字零售", "综合电商", "mediocre", weight=12),
    Platform("抖音电商", "数字零售", "直播电商", "poor", weight=8),
    Platform("唯品会", "数字零售", "综合电商", "good", weight=4),
    Platform("苏宁易购", "数字零售", "综合电商", "poor", weight=3, offboarded="{year}-07-01"),
    Platform("美团", "数字生活", "本地生活", "good", weight=10),
    Platform("饿了么", "数字生活", "本地生活", "mediocre", weight=6),
    Platform("携程", "数字生活", "在线旅游", "excellent", weight=5),
    Platform("滴滴出行", "数字生活", "出行", "mediocre", weight=5),
    Platform("去哪儿", "数字生活", "在线旅游", "poor", weight=3),
    Platform("京东健康", "数字健康", "医药电商", "excellent", weight=3),
    Platform("阿里健康", "数字健康", "医药电商", "good", weight=3),
    Platform("叮当快药", "数字健康", "医药电商", "poor", weight=2),
    Platform("作业帮", "数字教育", "在线教育", "mediocre", weight=3),
    Platform("猿辅导", "数字教育", "在线教育", "poor", weight=3),
    Platform("网易有道", "数字教育", "在线教育", "good", weight=2),
    Platform("速卖通", "跨境电商", "跨境零售", "good", weight=4),
    Platform("SHEIN", "跨境电商", "跨境零售", "mediocre", weight=4, spellings=("ＳＨＥＩＮ",)),
    Platform("Temu", "跨境电商", "跨境零售", "poor", weight=5),
    Platform("亚马逊中国", "跨境电商", "跨境零售", "excellent", weight=2),
    Platform("1688", "产业电商", "B2B", "good", weight=3, spellings=("１６８８",)),
    Platform("找钢网", "产业电商", "B2B", "excellent", weight=1),
    Platform("慧聪网", "产业电商", "B2B", "good", weight=1, after_sales="否"),
    Platform("菜鸟", "物流科技", "物流", "good", weight=3),
    Platform("顺丰速运", "物流科技", "快递", "excellent", weight=4),
    Platform("中通快递", "物流科技", "快递", "mediocre", weight=4),
    Platform(
        "货拉拉", "物流科技", "同城货运", "poor", weight=3, onboarded="{year}-04-01", new_in_current_registry=True
    ),
    Platform("闲鱼", "其他", "二手交易", "mediocre", weight=4),
    Platform("转转", "其他", "二手交易", "good", weight=2, new_in_current_registry=True),
    Platform("爱回收", "其他", "二手交易", "good", weight=1, in_registry=False),
)

# Reference shares (percent) of 2024 金融科技 complaints; the remainder of each
# dimension goes to the last value.
REFERENCE_PROBLEM_TYPES = (
    ("信息泄露", 37.99),
    ("网络诈骗", 16.16),
    ("霸王条款", 8.30),
    ("退款问题", 3.06),
    ("恶意罚款", 2.62),
    ("客服问题", 1.75),
    ("售后服务", 1.31),
    ("虚假促销", 1.31),
    ("冻结商家资金", 0.87),
    ("其他", None),
)
REFERENCE_PROVINCES = (
    ("广东省", 17.47),
    ("浙江省", 9.17),
    ("江苏省", 8.73),
    ("四川省", 6.11),
    ("云南省", 5.68),
    ("山东省", 4.80),
    ("福建省", 4.37),
    ("广西壮族自治区", 3.93),
    ("河南省", 3.93),
    ("北京市", 3.06),
    ("湖南省", 2.62),
    ("湖北省", 2.62),
    ("安徽省", 2.18),
    ("上海市", 2.18),
    ("江西省", 1.75),
    ("河北省", 1.75),
    ("重庆市", 1.75),
    ("陕西省", 1.31),
    ("辽宁省", 1.31),
    ("贵州省", 1.31),
    ("山西省", 1.31),
    ("新疆维吾尔自治区", 0.87),
    ("黑龙江省", 0.87),
    ("天津市", 0.87),
    ("吉林省", 0.44),
    ("甘肃省", 0.44),
    ("海南省", 0.44),
    ("", None),
)
REFERENCE_GENDERS = (("男", 67.69), ("女", None))
# Amount bands as (band label, low, high) with shares; no amount for the remainder.
REFERENCE_AMOUNT_BANDS = (
    ((10000, 80000), 38.87),
    ((5000, 10000), 20.96),
    ((1000, 5000), 13.97),
    ((0, 100), 4.80),
    ((100, 500), 1.31),
    ((500, 1000), 1.31),
    (None, None),
)

# Everyone else: plausible, not calibrated.
GENERIC_PROBLEM_TYPES = (
    ("退款问题", 20),
    ("售后服务", 15),
    ("虚假促销", 10),
    ("客服问题", 10),
    ("发货问题", 10),
    ("商品质量", 10),
    ("霸王条款", 5),
    ("信息泄露", 5),
    ("网络诈骗", 5),
    ("恶意罚款", 3),
    ("冻结商家资金", 2),
    ("其他", 5),
)
GENERIC_PROVINCES = tuple((name, 3.0 if share is None else share) for name, share in REFERENCE_PROVINCES)
GENERIC_GENDERS = (("男", 55), ("女", 40), ("保密", 3), ("", 2))

SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "胡",
    "朱",
    "郭",
    "何",
    "罗",
    "高",
    "林",
    "欧阳",
    "司马",
    "诸葛",
    "上官",
)
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "丽",
)
