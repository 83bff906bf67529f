"""Rules where rules are right: the words that make a complaint urgent or important, read with
their negation.

A signal is a phrase of one kind (an injury, a health hazard, a present danger, a threat to go to
the media or a regulator now or later, a large loss, money, a repeat, humiliation) found in one
clause. It is *negated* when that clause says it did not happen ("没有受伤", "no one was hurt"),
nearly happened ("差点摔倒", "almost slipped") or might happen ("万一", "in case"). Negated signals
do not make a complaint urgent; the model sees them as features of their own, so that it learns
what a near-miss means. Hyperbole ("累得要死", "the queue was killing me") is left out of the
patterns on purpose: a safety word in passing is not a signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

INJURY = "injury"
HEALTH = "health"
HAZARD = "hazard"
THREAT_NOW = "threat_now"
THREAT_LATER = "threat_later"
LOSS = "loss"
REPEAT = "repeat"
HUMILIATION = "humiliation"
# The kinds that make a complaint urgent when they are not negated.
URGENT_KINDS = (INJURY, HEALTH, HAZARD, THREAT_NOW, LOSS)


@dataclass(frozen=True)
class Signal:
    kind: str
    words: str
    negated: bool = False


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str]] = {
    INJURY: _rx(
        r"受了?伤|摔伤|扭伤|崴[了到]?脚|骨折|骨裂|流血|出血|流了[很好]?多?血|划伤|割伤|割破|划破|烫伤|"
        r"砸伤|砸到了?[头脚手腿]|夹伤|夹到了?[手脚指]|撞伤|擦伤|拉伤|脱臼|韧带|缝[了几\d]+针|缝针|"
        r"送[去到]?医院?|进了医院|住院|急诊|救护车|打了?120|叫了?120|晕倒|昏倒|昏迷|休克|窒息|溺水|"
        r"呛水|触电|被电[到了]|咬伤|抓伤|肿[了起得]|淤青|头破|破皮|摔倒|摔了一?跤|摔下来|跌倒|滑倒|"
        r"绊倒|摔在|磕[破伤到]|碰伤|戳伤|烧伤|\bbleed(?:ing)?\b|\bbled\b|\binjur(?:ed|y|ies)\b|"
        r"\bfractur(?:e|ed)\b|\bbroke (?:my|his|her|their|a) \w+|"
        r"\bbroken (?:arm|leg|wrist|ankle|finger|toe|nose|rib|tooth|teeth|collarbone)\b|"
        r"\bsprain(?:ed)?\b|\btwisted (?:my|his|her|their) \w+|\bstitch(?:es)\b|\bconcussion\b|"
        r"\bambulance\b|\bemergency room\b|\bA&E\b|\b(?:to|in|at) (?:the )?hospital\b|"
        r"\bfainted\b|\bpassed out\b|\bcollapsed\b|\bunconscious\b|\bknocked out\b|\bscald(?:ed)?\b|"
        r"\bburn(?:ed|t)? (?:my|his|her|their)\b|\bgot burn(?:ed|t)\b|"
        r"\bcut (?:my|his|her|their) (?:hand|finger|foot|feet|leg|arm|face|head|lip|knee)\b|"
        r"\bgash\b|\bswollen\b|\bbruis(?:e|ed|es|ing)\b|\bdislocat\w*|\belectric shock\b|"
        r"\belectrocut\w*|\bgot (?:a )?shock(?:ed)?\b|\bchok(?:ed|ing)\b|\bdrown\w*|\bbitten\b|"
        r"\bhurt (?:my|his|her|their|him|them|myself|himself|herself|themselves)\b(?! feelings)|"
        r"\b(?:was|were|got|been|is|are|badly|seriously) hurt\b|\bpulled a muscle\b|"
        r"\bfell (?:off|down|over|from|onto|on|and|backwards)\b|\bslipped and\b|\btripped and\b|"
        r"\btrapped (?:my|his|her|their) (?:finger|hand|foot|arm)\b|\bcrushed (?:my|his|her)\b|"
        r"\bbump on (?:his|her|my) head\b"
    ),
    HEALTH: _rx(
        r"食物中毒|中毒|上吐下泻|呕吐|吐了[一两几好\d]|拉肚子|腹泻|过敏反应|过敏了|起[了满]?疹子|呼吸困难|"
        r"发烧|发高烧|头晕恶心|肚子疼得|胃疼得|\bfood poisoning\b|\bvomit(?:ed|ing)?\b|\bthrew up\b|"
        r"\bthrowing up\b|\bdiarrh?oea\b|\bdiarrhea\b|\ballergic reaction\b|\banaphyla\w*|\bhives\b|"
        r"\brash\b|\bstomach (?:cramps|pains?|ache)\b|\bsick (?:after|from)\b|\bfever\b|"
        r"\bcan't breathe\b|\bbreathing difficult\w*|\bdifficulty breathing\b"
    ),
    HAZARD: _rx(
        r"煤气味|燃气味|天然气味|液化气味|漏气|有股?气味.{0,4}(?:煤气|燃气)|着火|起火|失火|冒烟|火花|"
        r"电线裸露|裸露的?电线|电线.{0,4}露在外|漏电|一氧化碳|消防通道.{0,6}(?:堵|锁|封|占)|"
        r"安全出口.{0,6}(?:堵|锁|封|占)|逃生通道.{0,6}(?:堵|锁|封|占)|碎玻璃|玻璃.{0,3}碎|"
        r"(?:天花板|吊顶|灯|招牌|瓷砖|栏杆).{0,4}(?:掉下来|砸下来|塌|脱落|松动)|坍塌|随时.{0,4}(?:掉|塌|倒)|"
        r"\b(?:smell|smelled|smelt|odou?r|stink) of gas\b|\bgas (?:smell|leak\w*)\b|\bsmells? like gas\b|"
        r"\bleaking gas\b|\bcarbon monoxide\b|\bon fire\b|\bcaught fire\b|\bfire (?:broke|started)\b|"
        r"\bsmoke (?:coming|filled|pouring|everywhere)\b|\bsparks?\b|\bsparking\b|"
        r"\bexposed (?:wires?|wiring|cables?)\b|\blive wires?\b|\bbare wires?\b|"
        r"\bfire (?:exit|escape|door)s? (?:\w+ ){0,3}(?:blocked|locked|chained|obstructed)\b|"
        r"\bblocked (?:the )?fire (?:exit|escape)s?\b|\bbroken glass\b|\bglass shards?\b|"
        r"\bceiling (?:\w+ )?(?:collapsed|fell|caving|falling)\b|\bcould collapse\b|"
        r"\bloose (?:railing|handrail|balustrade)s?\b"
    ),
    THREAT_NOW: _rx(
        r"(?:已经|已|刚刚|刚才|刚|今天|现在就|马上就?|正在).{0,8}"
        r"(?:发|曝光|投诉|举报|报警|联系|找了|打了?|上传|直播|写了).{0,10}"
        r"(?:微博|抖音|小红书|点评|朋友圈|媒体|记者|电视台|报社|12315|12345|市场监管|消协|消费者协会|"
        r"派出所|警察|110|卫生局|卫健委|网上)|报警了|已经报警|记者已经|媒体已经|正在直播|"
        r"\b(?:already|just|have|I've|we've|today I) (?:posted|shared|reported|contacted|called|filed|"
        r"complained|written|tweeted|emailed)\b.{0,40}\b(?:media|press|journalist|reporter|newspaper|"
        r"consumer|regulator|authorit\w+|police|council|weibo|twitter|facebook|instagram|tiktok|"
        r"tripadvisor|yelp|google|review|health department|trading standards|bbb)|"
        r"\bposted (?:it|this|a review|photos|pictures|a video|the video) (?:on|to)\b|"
        r"\b(?:calling|called) the police\b|\bpolice (?:were|are|have been) called\b|"
        r"\bgoing live\b|\blive-?stream\w*"
    ),
    THREAT_LATER: _rx(
        r"(?:如果|要是|不然|否则|再不|不给|不处理|不解决|不退|不赔|还不|不然的话|就).{0,15}"
        r"(?:12315|12345|媒体|记者|曝光|消协|消费者协会|投诉到|起诉|法院|律师|市场监管|微博|抖音|"
        r"小红书|点评|差评)|"
        r"\b(?:if|unless|otherwise|or else|or I|I will|I'll|going to|planning to|next step)\b.{0,50}"
        r"\b(?:media|press|journalist|reporter|newspaper|consumer|regulator|authorit\w+|"
        r"trading standards|better business bureau|bbb|lawyer|solicitor|sue|court|legal action|"
        r"tripadvisor|yelp|google review|bad review|weibo|social media)\b"
    ),
    LOSS: _rx(
        r"被偷|被盗|失窃|偷走|偷了|盗走|撬开|被撬|护照|身份证.{0,4}(?:丢|不见|找不到|没了)|"
        r"\bstolen\b|\bstole\b|\btheft\b|\bbroken into\b|\bbroke into\b|\bpassport\b"
    ),
    REPEAT: _rx(
        r"第[二三四五六七八九十两几\d]+次|又一次|再次|多次|屡次|反复|三番五次|好几次|又[坏出来发]|"
        r"一直没(?:解决|修|处理)|上次.{0,10}(?:投诉|反映)过|\bagain and again\b|"
        r"\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th)) time\b|\byet again\b|"
        r"\brepeatedly\b|\bkeeps happening\b|\b(?:several|multiple|many|three|four|five) times\b|"
        r"\bonce again\b|\bstill not (?:fixed|resolved)\b|\bcomplained (?:before|last \w+)\b"
    ),
    HUMILIATION: _rx(
        r"歧视|侮辱|羞辱|辱骂|骂我|当众|看不起|嘲笑|讽刺|人格|\bdiscriminat\w*|\bhumiliat\w*|"
        r"\binsult\w*|\bracis[tm]\b|\bmocked\b|\bin front of (?:everyone|other|the whole)\b|\bsexist\b"
    ),
}

_CLAUSE = re.compile(r"[，。！？；,.!?;\n]+|(?:\s(?:but|however|though)\s)|但是|不过|可是")
_NEG_ZH = re.compile(
    r"(?:没有|没|未|无|不曾|并未|差点|差一点|险些|幸好没|还好没|万一|如果|以免|避免|防止|担心|害怕|怕|会不会|"
    r"可能会|容易|免得)[^，。！？；]{0,6}$"
)
_NEG_EN = re.compile(
    r"\b(?:no|not|nobody|no one|none|never|without|almost|nearly|could have|might have|"
    r"would have|before|if|in case|afraid|worried|luckily|fortunately|thankfully|n't)\b"
    r"(?:\W+\w+){0,4}\W*$|n't(?:\W+\w+){0,4}\W*$",
    re.IGNORECASE,
)
_POST_NEG = re.compile(
    r"^\W{0,2}(?:[:：]\s*(?:none|no|无|没有)|的?(?:情况)?(?:没有|没)(?:发生)?)", re.IGNORECASE
)


def _negated(clause: str, start: int, end: int) -> bool:
    before = clause[:start]
    if _NEG_ZH.search(before[-12:]) or _NEG_EN.search(before[-60:]):
        return True
    return bool(_POST_NEG.match(clause[end : end + 12]))


def find(text: str) -> list[Signal]:
    """Every signal in `text`, clause by clause, with its negation."""
    found: list[Signal] = []
    for clause in _CLAUSE.split(text):
        if not clause or not clause.strip():
            continue
        for kind, pattern in _PATTERNS.items():
            for m in pattern.finditer(clause):
                negated = kind != REPEAT and _negated(clause, m.start(), m.end())
                found.append(Signal(kind, m.group(0).strip(), negated))
    later = any(s.kind == THREAT_LATER for s in found)
    if later:
        # "If you don't refund today I'll post it on Weibo": a condition makes the threat later.
        found = [s for s in found if s.kind != THREAT_NOW or not _conditional(text, s.words)]
    return found


def _conditional(text: str, words: str) -> bool:
    at = text.find(words)
    before = text[max(0, at - 30) : at]
    return bool(
        re.search(r"如果|要是|不然|否则|再不|\bif\b|\bunless\b|\botherwise\b", before, re.I)
    )


# --- money ---------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_MONEY_ZH = re.compile(
    r"(?:¥|￥|rmb|cny)\s?(\d[\d,]*(?:\.\d+)?)\s*(万|千|k)?|"
    r"(\d[\d,]*(?:\.\d+)?)\s*(万|千|k)?\s*(?:元|块|rmb|cny|yuan|人民币)|"
    r"([零一二两三四五六七八九十百千万]{1,8})\s*(?:元|块)",
    re.IGNORECASE,
)
_MONEY_USD = re.compile(
    r"(?:us\$|\$|usd\s?)\s?(\d[\d,]*(?:\.\d+)?)\s*(k)?|(\d[\d,]*(?:\.\d+)?)\s*(?:dollars|usd|bucks)|"
    r"(?:£|€|eur\s?|gbp\s?)\s?(\d[\d,]*(?:\.\d+)?)",
    re.IGNORECASE,
)
USD_RATE = Decimal("7")


def _cn_number(text: str) -> int:
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            total += (section + digit) * 10000
            section, digit = 0, 0
        else:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + section + digit


def _scale(number: str, unit: str | None) -> Decimal:
    value = Decimal(number.replace(",", ""))
    if unit in ("万",):
        value *= 10000
    elif unit in ("千", "k", "K"):
        value *= 1000
    return value


def amounts(text: str) -> list[Decimal]:
    """Sums of money in `text`, in yuan (dollars, pounds and euros at about ¥7)."""
    found: list[Decimal] = []
    for m in _MONEY_ZH.finditer(text):
        if m.group(1):
            found.append(_scale(m.group(1), m.group(2)))
        elif m.group(3):
            found.append(_scale(m.group(3), m.group(4)))
        elif m.group(5):
            found.append(Decimal(_cn_number(m.group(5))))
    for m in _MONEY_USD.finditer(text):
        number = m.group(1) or m.group(3) or m.group(4)
        found.append(_scale(number, m.group(2)) * USD_RATE)
    return found
