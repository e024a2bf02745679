"""Static demo data: a fictional province slice (江南省临江市), its departments, windows, service items,
people's names and the words evaluators use, plus the generators of fake applicants built from them.

Codes follow the administrative-division pattern (6 digits for province/city/county, 9 for towns and
streets, 12 for villages and communities), but the prefix 39 belongs to no real province, so nothing
here can be mistaken for real records.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

DEMO_PASSWORD = "Demo-2026!"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    org_code: str
    display_name: str


# One documented account per role, all with DEMO_PASSWORD (the README cites this table).
DEMO_ACCOUNTS = (
    DemoAccount("handler", "handler", "390102-RSJ", "张晓燕"),
    DemoAccount("dept_lead", "dept_lead", "390102-RSJ", "李建国"),
    DemoAccount("supervisor", "supervisor", "390102-SPJ-JDK", "王敏"),
    DemoAccount("supervisor_lead", "supervisor_lead", "390102-SPJ-JDK", "陈志强"),
    DemoAccount("policy_admin", "policy_admin", "390100", "刘芳"),
    DemoAccount("auditor", "auditor", "390100", "赵磊"),
    DemoAccount("sysadmin", "sysadmin", "390100", "周洋"),
)
# The platform pushing service cases and evaluations: a client account, signs in with tokens only.
DEMO_CLIENT = DemoAccount("integration", "integration", "390100", "临江市一体化政务服务平台")


PROVINCE = ("390000", "江南省")
CITY = ("390100", "临江市")
CITY_ABBR = "lj"  # username prefix of the city's staff


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    villages: tuple[str, ...]


@dataclass(frozen=True)
class County:
    code: str
    name: str
    abbr: str  # username prefix of its staff
    towns: tuple[Town, ...]
    weight: int  # share of the service cases


COUNTIES = (
    County("390102", "云溪区", "yx", (
        Town("390102001", "云溪街道", ("望江社区", "锦绣社区")),
        Town("390102002", "东湖街道", ("湖滨社区", "东湖花园社区")),
        Town("390102003", "桂园街道", ("桂园新村社区", "丹桂社区")),
    ), 55),
    County("390121", "青山县", "qs", (
        Town("390121100", "城关镇", ("东门社区", "南门社区")),
        Town("390121101", "青石镇", ("青石村", "枫林村")),
        Town("390121200", "白沙乡", ("白沙村", "上坪村")),
    ), 45),
)


@dataclass(frozen=True)
class Department:
    key: str  # unit code suffix, e.g. 390102-RSJ
    name: str  # template: {city} and {county}
    handlers: int


DEPARTMENTS = (
    Department("RSJ", "{county}人力资源和社会保障局", 3),
    Department("SCJGJ", "{county}市场监督管理局", 3),
    Department("GJJ", "{city}住房公积金管理中心{county}分中心", 2),
    Department("BDC", "{county}不动产登记中心", 3),
    Department("YBJ", "{county}医疗保障局", 2),
    Department("SWJ", "国家税务总局{city}{county}税务局", 2),
    Department("MZJ", "{county}民政局", 2),
)

HALL = ("ZWFW", "{county}政务服务中心")
OPENING_HOURS = ((time(8, 30), 210), (time(13, 30), 240))  # office hours (start, minutes), local time
SUPERVISION = ("SPJ-JDK", "{county}行政审批局监督考核科")
CITY_SUPERVISION = ("SPJ-JDK", "{city}行政审批局监督考核科")

# (window number, name, department key): each department's service cases are taken at its own windows.
WINDOWS = (
    (1, "1号窗口（社会保障综合受理）", "RSJ"),
    (2, "2号窗口（社会保障综合受理）", "RSJ"),
    (3, "3号窗口（医疗保障）", "YBJ"),
    (4, "4号窗口（企业开办）", "SCJGJ"),
    (5, "5号窗口（企业开办）", "SCJGJ"),
    (6, "6号窗口（不动产登记）", "BDC"),
    (7, "7号窗口（不动产交易税费）", "SWJ"),
    (8, "8号窗口（住房公积金）", "GJJ"),
    (9, "9号窗口（社会事务）", "MZJ"),
)


@dataclass(frozen=True)
class ItemTemplate:
    department: str
    name: str
    promise_days: int  # 承诺办结时限 in working days; 0 = 即办件
    legal_share: float  # share of applicants that are legal persons
    weight: int  # relative volume
    risk: float = 1.0  # relative bad-review propensity


ITEMS = (
    ItemTemplate("RSJ", "社会保障卡申领", 0, 0.0, 14),
    ItemTemplate("RSJ", "社会保障卡挂失与补换", 0, 0.0, 8),
    ItemTemplate("RSJ", "失业登记", 0, 0.0, 5),
    ItemTemplate("RSJ", "失业保险金申领", 5, 0.0, 4, 1.5),
    ItemTemplate("RSJ", "就业创业证申领", 0, 0.0, 4),
    ItemTemplate("RSJ", "灵活就业人员参保登记", 0, 0.0, 6),
    ItemTemplate("RSJ", "职工基本养老保险关系转移接续", 15, 0.0, 3, 2.0),
    ItemTemplate("RSJ", "单位参保登记", 0, 1.0, 3),
    ItemTemplate("SCJGJ", "个体工商户设立登记", 0, 1.0, 9),
    ItemTemplate("SCJGJ", "企业设立登记", 1, 1.0, 7),
    ItemTemplate("SCJGJ", "企业变更登记", 1, 1.0, 5),
    ItemTemplate("SCJGJ", "企业注销登记", 3, 1.0, 3, 1.5),
    ItemTemplate("SCJGJ", "食品经营许可", 10, 1.0, 3, 2.0),
    ItemTemplate("SCJGJ", "营业执照遗失补领", 0, 1.0, 2),
    ItemTemplate("GJJ", "住房公积金提取（租房）", 0, 0.0, 8),
    ItemTemplate("GJJ", "住房公积金提取（购房）", 3, 0.0, 5),
    ItemTemplate("GJJ", "住房公积金个人住房贷款申请", 10, 0.0, 2, 2.0),
    ItemTemplate("GJJ", "住房公积金缴存证明开具", 0, 0.0, 4),
    ItemTemplate("GJJ", "单位住房公积金缴存登记", 0, 1.0, 2),
    ItemTemplate("BDC", "不动产登记资料查询", 0, 0.1, 8),
    ItemTemplate("BDC", "不动产首次登记", 5, 0.3, 2, 1.5),
    ItemTemplate("BDC", "不动产转移登记", 5, 0.1, 5, 2.0),
    ItemTemplate("BDC", "不动产抵押权登记", 3, 0.2, 4, 1.5),
    ItemTemplate("BDC", "不动产抵押权注销登记", 1, 0.2, 3),
    ItemTemplate("YBJ", "基本医疗保险参保登记", 0, 0.0, 6),
    ItemTemplate("YBJ", "异地就医备案", 0, 0.0, 6),
    ItemTemplate("YBJ", "零星医疗费用报销", 10, 0.0, 3, 2.0),
    ItemTemplate("YBJ", "门诊慢特病待遇认定", 10, 0.0, 2, 1.5),
    ItemTemplate("YBJ", "医保关系转移接续", 5, 0.0, 2),
    ItemTemplate("SWJ", "发票领用", 0, 1.0, 5),
    ItemTemplate("SWJ", "增值税普通发票代开", 0, 0.5, 4),
    ItemTemplate("SWJ", "个人所得税纳税记录开具", 0, 0.0, 4),
    ItemTemplate("SWJ", "契税申报", 0, 0.0, 4),
    ItemTemplate("MZJ", "结婚登记", 0, 0.0, 3),
    ItemTemplate("MZJ", "最低生活保障申请", 20, 0.0, 1, 2.0),
    ItemTemplate("MZJ", "困难残疾人生活补贴和重度残疾人护理补贴申请", 20, 0.0, 1, 1.5),
)

# How the service itself was delivered, with the evaluation channels its applicants use.
SERVICE_CHANNELS = (("window", 62), ("online", 20), ("app", 10), ("self_service", 5), ("mail", 3))
EVALUATION_CHANNELS = {
    "window": (("window_device", 55), ("qr_code", 25), ("sms", 10), ("hotline", 5), ("paper_form", 5)),
    "online": (("web", 70), ("sms", 20), ("hotline", 10)),
    "app": (("app", 85), ("sms", 15)),
    "self_service": (("self_service_terminal", 85), ("qr_code", 15)),
    "mail": (("sms", 60), ("web", 25), ("hotline", 15)),
}
# Seconds from finishing the service to the evaluation, and from the evaluation to its receipt.
EVALUATION_DELAY = {
    "window_device": (15, 300), "qr_code": (60, 1800), "self_service_terminal": (10, 120),
    "paper_form": (60, 600), "web": (300, 259_200), "app": (300, 259_200),
    "sms": (3600, 172_800), "hotline": (3600, 432_000),
}
RECEIPT_DELAY = {"paper_form": (7200, 86_400)}  # window staff key paper forms in later
DEFAULT_RECEIPT_DELAY = (1, 90)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏"
            "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严")
GIVEN_CHARS = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建文辉力玉萍红燕鹏飞斌宇浩凯秀云"
               "海亮晨欣怡婷雪梅琳子轩梓涵浩然一诺欣妍思雨俊杰志国春花晓东立新")
TRADE_NAMES = ("恒达", "鑫源", "华信", "锦程", "瑞丰", "嘉禾", "宏远", "同创", "云帆", "顺昌", "德润", "和泰",
               "长青", "百川", "融通", "安居", "惠民", "天成", "汇丰源", "青禾")
TRADES = ("商贸", "餐饮管理", "建筑工程", "电子科技", "物流", "装饰工程", "农业开发", "信息技术", "食品", "家政服务")
SHOP_KINDS = ("小吃店", "便利店", "理发店", "五金店", "水果店", "服装店", "汽车维修部", "早餐店")

POSITIVE_COMMENTS = (
    "工作人员很耐心，一次就办好了", "办事效率高，点赞", "窗口服务热情，解释得很清楚", "不用跑第二趟，很方便",
    "网上办理很顺利，进度通知及时", "材料一次性告知，省心", "比以前快多了", "帮办代办服务很贴心",
    "自助机操作简单，几分钟就好了", "大厅环境整洁，引导员很热情",
)
NEUTRAL_COMMENTS = (
    "排队时间有点长", "整体还可以，就是叫号有点慢", "材料清单能再写清楚一点就好了", "停车不太方便",
    "网上系统偶尔卡顿", "办好了，但中间补了一次材料",
)
# Jiangning's four aspects of a bad review, each with what evaluators typically write.
COMPLAINTS = {
    "attitude": ("工作人员态度冷淡，问了两遍都不耐烦", "窗口人员一直看手机，让我自己看墙上的说明",
                 "说话很冲，感觉不被尊重", "咨询时被推到别的窗口，来回跑了三次"),
    "efficiency": ("排队两个多小时才轮到我", "承诺的时间到了还没办好，打电话也没人接",
                   "系统故障让明天再来，白跑一趟", "同一份材料要求交了三次"),
    "quality": ("材料没有一次性告知，补了两次材料", "证件信息打印错误，又要重新办理",
                "不同工作人员说法不一致", "网上说可以全程网办，结果还是要到现场"),
    "environment": ("大厅太挤，没有座位", "自助机坏了没人管", "叫号屏不显示，过号了都不知道",
                    "没有无障碍通道，老人进出不方便"),
}
COMPLAINT_WEIGHTS = (("attitude", 30), ("efficiency", 35), ("quality", 22), ("environment", 13))

# What departments and supervision offices write while handling a bad review (the lifecycle forms).
SIGN_NOTES = ("已签收，安排专人核实", "已签收，当日联系评价人", "收到，科室负责人已知悉", "已签收，调取办件材料核查")
APPEALS = (  # (appeal reason, evidence)
    ("评价人办理的事项不属于本部门职责，系误选办理部门", "办件受理记录及事项清单截图"),
    ("当日窗口按规定一次性告知所需材料，评价人材料不全未能办理", "一次性告知单（评价人签字）及窗口监控录像"),
    ("评价人因个人原因多次变更申请内容，延误不可归责于窗口", "办件流转记录及通话录音"),
    ("评价人电话中表示误点了“不满意”", "回访通话录音"),
)
REVIEW_UPHELD = ("经调取监控录像和办件记录，申诉理由成立", "经电话核实评价人，确系误评，申诉成立")
REVIEW_REJECTED = ("证据不足以证明窗口已履行一次性告知义务，申诉不成立",
                   "评价人反映问题基本属实，申诉不成立，请按期整改")
VERIFY_NOTES = {
    "valid": ("已电话联系评价人，反映问题属实", "调取窗口监控并约谈经办人员，情况属实", "评价人反映情况基本属实"),
    "mistaken": ("评价人表示本想点击“满意”，误点了“不满意”", "评价人称评价时看错选项，对办理结果满意"),
    "malicious": ("评价人因诉求不符合政策被拒，多次以差评相要挟", "同一号码短时间内对多个窗口集中差评，与办件无关"),
    "no_legal_basis": ("评价人要求不在法定受理范围内，已解释政策依据",),
}
CONFIRM_REASONS = {"confirmed": ("已核听通话录音，确认误评", "核查评价记录，确认为恶意评价"),
                   "refused": ("录音显示评价人明确表达不满，不予确认，请按属实差评整改",)}
NATURE = {"attitude": "instant", "quality": "deep", "efficiency": "deep", "environment": "upgrade"}
RECTIFICATIONS = {  # aspect → (measures, result)
    "attitude": (("约谈经办人员，组织窗口服务规范和文明用语培训", "经办人员已作书面检查，窗口服务规范已重新学习"),
                 ("将该窗口纳入每日服务巡查，负责人带班督导", "已连续两周巡查，未再发现类似问题")),
    "efficiency": (("优化叫号分流，高峰时段增开两个综合窗口", "平均等候时间由70分钟降至25分钟"),
                   ("梳理办理流程，压缩内部流转环节，实行超时预警", "该事项办理时限由5个工作日压缩至3个工作日")),
    "quality": (("修订一次性告知单并统一业务口径，开展业务培训", "告知单已更新上墙并同步网上办事指南"),
                ("复核同类办件信息，建立出证前双人核对制度", "已为评价人重新办理，双人核对制度已实行")),
    "environment": (("增设等候座椅，安排专人巡检自助设备", "新增座椅20个，自助机已修复并建立日检台账"),
                    ("完善无障碍设施和引导标识，设置爱心窗口", "无障碍坡道和爱心窗口已投入使用")),
}
EXTENSION_REASONS = ("需协调系统供应商升级业务系统，预计两周内完成", "涉及设备采购，需履行政府采购程序",
                     "需与上级业务主管部门协调政策口径")
EXTENSION_REFUSALS = ("整改内容可在原期限内完成，不同意延期", "延期理由不充分，请按原期限完成整改")
SUPERVISE_ORDERS = ("该件已超过整改期限，请于{date}前完成整改并报送整改情况",
                    "请责任部门主要负责人督促落实，{date}前反馈整改结果")
CONSULTS = (  # (opinion, commitment)
    ("同意牵头部门整改方案，本部门配合做好数据共享", "三个工作日内开放相关数据接口"),
    ("该问题涉及两部门业务衔接，建议建立联办机制", "指定专人对接，联办事项一窗受理"),
    ("本部门无异议，将同步调整办事指南", ""),
)
FEEDBACK_CHANNELS = (("phone", 70), ("sms", 15), ("visit", 10), ("letter", 5))
FEEDBACK_TEXTS = ("已电话告知评价人核查结果和整改措施，评价人表示认可", "已向评价人反馈整改情况并致歉",
                  "已将整改结果书面告知评价人")
RETURN_VISIT_NOTES = {"satisfied": ("评价人对整改结果表示满意", "评价人称再次办理时体验明显改善"),
                      "basically_satisfied": ("评价人表示基本满意，希望继续保持",),
                      "unsatisfied": ("评价人认为问题未根本解决，要求继续整改",),
                      "unreached": ("三次拨打评价人电话均未接通",)}
CLOSE_OUT_NOTES = ("整改到位，反馈及时，同意销号", "资料齐全，同意销号", "")
CLOSE_OUT_REFUSALS = ("报告单整改措施不具体，请补充后重新反馈", "未附整改前后对比材料，请补充后重新反馈")


# -- fake people: deterministic from the caller's Random, valid check digits, never real ---------------

Applicant = tuple[str, str, str, str]  # (applicant kind, name, phone, certificate number)
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 统一社会信用代码 alphabet (GB 32100)
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def pick(rng: random.Random, weighted):
    """One value of ``((value, weight), ...)``."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_CHARS, k=rng.choice((1, 2, 2))))


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def natural_person(rng: random.Random, area: str) -> Applicant:
    """A resident with an 18-digit ID number (GB 11643 check digit) registered in ``area``."""
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
    body = f"{area}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    checksum = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return "natural_person", person_name(rng), phone(rng), body + "10X98765432"[checksum % 11]


def legal_person(rng: random.Random, area: str) -> Applicant:
    """A company (统一社会信用代码 91…) or a sole trader (92…) of ``area``, with a contact phone."""
    if rng.random() < 0.3:
        county = next(c.name for c in COUNTIES if c.code == area)
        name, prefix = f"{county}{rng.choice(SURNAMES)}记{rng.choice(SHOP_KINDS)}", "92"
    else:
        name, prefix = f"{CITY[1]}{rng.choice(TRADE_NAMES)}{rng.choice(TRADES)}有限公司", "91"
    body = prefix + area + "".join(rng.choices(_CREDIT_CHARS, k=9))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return "legal_person", name, phone(rng), body + _CREDIT_CHARS[(31 - total % 31) % 31]


class Applicants:
    """Applicants, some returning (the same phone hash recognises them); companies return more often."""

    def __init__(self) -> None:
        self.pools: dict[bool, list[Applicant]] = {False: [], True: []}

    def pick(self, rng: random.Random, legal_share: float, area: str) -> Applicant:
        legal = rng.random() < legal_share
        pool = self.pools[legal]
        if pool and rng.random() < (0.4 if legal else 0.15):
            return rng.choice(pool)
        applicant = legal_person(rng, area) if legal else natural_person(rng, area)
        pool.append(applicant)
        return applicant
