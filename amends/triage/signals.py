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
ASSAULT = "assault"
# The kinds that make a complaint urgent when they are not negated.
URGENT_KINDS = (INJURY, HEALTH, HAZARD, THREAT_NOW, LOSS, ASSAULT)


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
        r"砸伤|夹伤|缝了?[几两一二三四五六七八九十\d]+针|腰椎|椎间盘|绞痛|腹痛|肚子疼|心慌|耳鸣|"
        r"撞伤|擦伤|拉伤|脱臼|韧带|缝[了几\d]+针|缝针|"
        r"送[去到]?医院?|进了医院|住院|急诊|救护车|打了?120|叫了?120|晕倒|昏倒|昏迷|休克|(?<!得)窒息|溺水|"
        r"呛水|触电|被电[到了]|咬伤|抓伤|肿[了起得]|淤青|头破|破皮|摔倒|摔了一?跤|摔下来|跌倒|滑倒|"
        r"绊倒|摔在地上|磕[破伤到]|碰伤|戳伤|烧伤|挫伤|拍片|撞到了?[头腰背腿膝尾]|砸到|夹到|"
        r"(?:腰|背|膝盖|脖子|肩膀|手腕|脚踝|胳膊)(?:疼|痛)得|起了?[个一]?[大]?包|头.{0,3}晕|[去到]医院|看医生|"
        r"推了?[她他我]一把|动手打|打人|扇了|掐[住了]|\bbleed(?:ing)?\b|\bbled\b|\binjur(?:ed|y|ies)\b|"
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
        r"\bslipped\b(?! (?:my|his|her|their) mind)|\bhearing loss\b|\bpalpitations\b|\bglucose\b|"
        r"\b(?:was|were|got|been|is|are|badly|seriously) hurt\b|\bpulled a muscle\b|"
        r"\bfell (?:off|down|over|from|onto|on|and|backwards)\b|\bslipped and\b|\btripped and\b|"
        r"\btrapped (?:my|his|her|their) (?:finger|hand|foot|arm)\b|\bcrushed (?:my|his|her)\b|"
        r"\bbump on (?:his|her|my) head\b|\bhit (?:me|him|her|them) (?:in|on) the\b|"
        r"\b(?:back|knee|neck|shoulder|wrist|ankle|head|chest) (?:hurt|hurts|pain)\b|"
        r"\bfelt (?:a |something )?(?:pop|snap|tear)\b|\b(?:grabbed|shoved|punched|slapped|kicked) (?:her|his|my|me|him)\b|"
        r"\b(?:hit|struck|knocked (?:down|over)|closed on) (?:an? |the |my |our )?(?:elderly|old|child|"
        r"kid|boy|girl|woman|man|lady|customer|guest|member|people|person|son|daughter|mother|father)\b"
    ),
    HEALTH: _rx(
        r"食物中毒|中毒|上吐下泻|呕吐|吐了[一两几好\d]|拉肚子|腹泻|过敏反应|过敏了|起[了满]?疹子|呼吸困难|红疹|"
        r"感染|被咬得|头晕|在吐|臭虫|"
        r"发烧|发高烧|肚子疼得|胃疼得|\bfood poisoning\b|\bvomit(?:ed|ing)\b|\bthrew up\b|"
        r"\bbed ?bugs?\b|\brash(?:es)?\b|\binfection\b|\bbites all over\b|\bfelt dizzy\b|\bdizz(?:y|iness)\b|"
        r"\bthrowing up\b|\bdiarrh?oea\b|\bdiarrhea\b|\ballergic reaction\b|\banaphyla\w*|\bhives\b|"
        r"\brash\b|\bstomach (?:cramps|pains?|ache)\b|\bsick (?:after|from)\b|\bfever\b|"
        r"\bcan't breathe\b|\bbreathing difficult\w*|\bdifficulty breathing\b"
    ),
    HAZARD: _rx(
        r"煤气味|燃气味|天然气味|液化气味|漏气|有股?气味.{0,4}(?:煤气|燃气)|着火|起火|失火|冒烟|火花|烧焦味|焦糊味|"
        r"糊味.{0,6}(?:插座|电箱|配电|电线|机器)|(?:插座|电箱|配电箱|电线).{0,6}(?:发烫|烧焦|冒火|打火)|"
        r"电线裸露|裸露的?电线|电线.{0,4}露在外|漏电|一氧化碳|"
        r"(?:消防通道|安全出口|逃生通道|消防门|疏散通道).{0,10}(?:堵|锁|封|占|堆|挡|推不开|打不开)|"
        r"碎玻璃|玻璃.{0,3}碎|(?:煤气|燃气).{0,10}(?:味|嘶|漏|泄)|(?:窗|窗框|窗户).{0,6}(?:松了|晃|掉下)|"
        r"线头.{0,4}露|私拉电线|电线.{0,6}(?:拖在|露|裸)|烟雾报警|困在电梯|电梯.{0,8}困|灭火器.{0,10}(?:过期|堵|挡|没有|空)|(?:楼道|楼梯间|走廊).{0,8}充电|"
        r"走散|走丢|走失|(?:孩子|小孩|老人|女儿|儿子).{0,8}(?:找不到|不见了)|踩踏|被困|困在|"
        r"(?:水).{0,6}(?:顺着|滴|流|渗).{0,6}(?:灯|插座|电箱|电线)|(?:滴到|流到|渗到).{0,4}(?:灯|插座|电箱|电线)|挤得.{0,6}(?:喘不过气|透不过气)|"
        r"漏水.{0,10}(?:灯|插座|电箱|电线)|(?:栏杆|护栏).{0,6}(?:断|松|倒)|砸门|"
        r"(?:天花板|吊顶|灯|招牌|瓷砖|栏杆).{0,4}(?:掉下来|砸下来|塌|脱落|松动)|坍塌|随时.{0,4}(?:掉|塌|倒)|"
        r"\b(?:smell|smelled|smelt|odou?r|stink) of gas\b|\bgas (?:smell|leak\w*)\b|\bsmells? like gas\b|"
        r"\bleaking gas\b|\bemergency exits?\b[^.]{0,60}\b(?:blocked|locked|chained|padlock\w*)\b|"
        r"\bbare (?:copper )?wires?\b|\bbetween floors\b|\bmid-?span\b|\bsmoke alarm\b|"
        r"\bwater (?:is |was )?(?:pouring|gushing|flooding|coming) (?:through|from) the ceiling\b|\bstranded\b|\btrapped (?:in|inside)\b|\bstuck (?:in|inside) (?:the |a )?(?:lift|elevator|car park)\b|\bsmel(?:led|t|ling|l) gas\b|\bgave way\b|\bcrush\b|\bstampede\b|"
        r"\b(?:dripping|leaking|pouring) (?:onto|into|on) (?:the )?(?:light|socket|electrical|wiring|fuse)|"
        r"\bfire extinguishers?[^.]{0,50}(?:blocked|expired|missing|empty)\b|"
        r"\bcharg\w+ [^.]{0,40}\bstairwells?\b|\bstairwells?\b[^.]{0,40}\bcharg\w+|"
        r"\b(?:lost|missing) (?:\w+ )?(?:child|kid|boy|girl|son|daughter|toddler)\b|"
        r"\b(?:tried|trying) (?:to open )?(?:her|my|the|our) door\b|\bbanging on (?:\w+ )?doors?\b|"
        r"\bfire alarm (?:went off|sounded|rang|going off)\b|"
        r"\bcarbon monoxide\b|\bon fire\b|\bcaught fire\b|\bfire (?:broke|started)\b|"
        r"\bburning (?:plastic |rubber |electrical )?(?:smell|odou?r)\b|\bsmell of burning\b|"
        r"\bsmoke (?:around|from|out of)\b|\bsmoking (?:socket|outlet|panel|plug)\b|"
        r"\bsmoke (?:coming|filled|pouring|everywhere)\b|\bsparks?\b|\bsparking\b|"
        r"\bexposed (?:wires?|wiring|cables?)\b|\blive wires?\b|\bbare wires?\b|"
        r"\bfire (?:exit|escape|door)s?\b[^.]{0,60}\b(?:blocked|locked|chained|obstructed)\b|"
        r"\bblocked (?:the )?fire (?:exit|escape)s?\b|\bbroken glass\b|\bglass shards?\b|"
        r"\bceiling (?:\w+ )?(?:collapsed|fell|caving|falling)\b|\bcould collapse\b|"
        r"\bloose (?:railing|handrail|balustrade)s?\b"
    ),
    THREAT_NOW: _rx(
        r"(?:已经|已|刚刚|刚才|刚|今天|现在就|马上就?|正在).{0,8}"
        r"(?:发|曝光|投诉|举报|报警|联系|找了|打了?|上传|直播|写了).{0,10}"
        r"(?:微博|抖音|小红书|点评|朋友圈|媒体|记者|电视台|报社|12315|12345|市场监管|消协|消费者协会|"
        r"派出所|警察|110|卫生局|卫健委|网上)|报警了|已经?报警|报了警|报过警|记者已经|媒体已经|正在直播|"
        r"(?:已经|已|刚刚|刚才|今天|今日|正在|马上|立刻|天亮就?|今晚就?|现在).{0,14}"
        r"(?:12315|12345|市场监管|消协|住建|环保局|卫健委|媒体|记者|电视台|报社|派出所|律师|网信办|法院|110|"
        r"抖音|微博|小红书|点评|公安|文旅局|旅游局|住建局|城管|物价局|工商|监管局|黑猫)|打了110|报案|报了案|找了律师|"
        r"(?:12315|12345|110|媒体|记者|律师|文旅局|市场监管).{0,8}(?:已经|刚才|刚刚)?(?:打了|打过|报了|找了|联系了|发了)|"
        r"\b(?:already|just|have|I've|we've|today I) (?:posted|shared|reported|contacted|called|filed|"
        r"complained|written|tweeted|emailed)\b.{0,40}\b(?:media|press|journalist|reporter|newspaper|"
        r"consumer|regulator|authorit\w+|police|council|weibo|twitter|facebook|instagram|tiktok|"
        r"tripadvisor|yelp|google|review|health department|trading standards|bbb)|"
        r"\bposted (?:it|this|a review|photos|pictures|a video|the video) (?:on|to)\b|"
        r"\bfiled a police report\b|\bjust posted\b|\bposted (?:the|a|this|my) (?:clip|video|photos?|review|post)\b|"
        r"\b(?:I'm|I am|we're|currently) (?:posting|live|streaming)\b|"
        r"\b(?:contacted|called|hired) (?:a |my )?(?:lawyer|solicitor|journalist|reporter)\b|"
        r"\breported (?:it|this|the theft) to the police\b|"
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
        r"被偷|被盗|失窃|偷走|偷了|盗走|撬开|被撬|被骗|骗走|诈骗|转走|丢了|丢失|遗失|不见了|找不到了|落在|"
        r"忘了拿|泡坏|损坏|毁了|(?:护照|身份证|证件|通行证).{0,6}(?:丢|不见|找不到|没了|被偷|落|掉)|"
        r"(?:丢|偷|落|掉)[^。！？]{0,20}(?:护照|身份证|证件|通行证)|"
        r"\bstolen\b|\bstole\b|\btheft\b|\bbroken into\b|\bbroke into\b|\bleft (?:it|my|her|his|a|the)\b|"
        r"\bpassports?\b[^.]{0,30}\b(?:lost|stolen|missing|gone|fell|dropped|left|taken)\b|"
        r"\b(?:lost|stolen|missing|left) (?:\w+ ){0,3}passports?\b|"
        r"\bscammed\b|\bdefrauded\b|\blost (?:my|his|her|our|a|the)\b|\bmissing\b|"
        r"\bruined\b|\bdamaged\b|\bwrecked\b"
    ),
    REPEAT: _rx(
        r"第[二三四五六七八九十两几\d]+次|又一次|再次|多次|屡次|反复|三番五次|好几次|又[坏出来发]|"
        r"一直没(?:解决|修|处理)|上次.{0,10}(?:投诉|反映)过|\bagain and again\b|"
        r"\b(?:second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th)) time\b|\byet again\b|"
        r"\brepeatedly\b|\bkeeps happening\b|\b(?:several|multiple|many|three|four|five) times\b|"
        r"\bonce again\b|\bstill not (?:fixed|resolved)\b|\bcomplained (?:before|last \w+)\b"
    ),
    ASSAULT: _rx(
        r"性骚扰|摸[她我他]的?(?:腰|腿|大腿|胸|屁股|手)|动手动脚|偷拍|跟着[她我]|尾随|闯进|"
        r"(?:刷开|打开)了?.{0,8}房间?的?门|打起来|打架|拉扯|拉我|醉汉|"
        r"\bsexual(?:ly)? harass\w*|\bgroped\b|\btouched (?:me|her|him)\b|\bfilming (?:up|women|girls)\b|"
        r"\bupskirt\b|\bfollowed (?:me|her)\b|\bstalk\w*|\bfight broke out\b|\bfighting\b|"
        r"\b(?:came|walked|let \w+) into (?:our|my|her|his) room\b|\bentered (?:our|my|her|his) room\b"
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
    """Every signal in `text` with its negation, read within its clause. Each pattern runs once
    over the whole text (a few hundred microseconds for a long complaint)."""
    found: list[Signal] = []
    bounds = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    for kind, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            clause_start = max((b for _a, b in bounds if b <= start), default=0)
            clause_end = min((a for a, _b in bounds if a >= end), default=len(text))
            clause = text[clause_start:clause_end]
            negated = kind != REPEAT and _negated(clause, start - clause_start, end - clause_start)
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
    r"([零一二两三四五六七八九十百千万]{1,8})\s*(?:元|块)|(?:价值|值|价格)\s?(\d[\d,]*(?:\.\d+)?)\s*(万|千)?|"
    r"([一二两三四五六七八九十]{1,3}万[一二两三四五六七八九千]{0,2})(?:多|左右)",
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
        elif m.group(6):
            found.append(_scale(m.group(6), m.group(7)))
        elif m.group(8):
            found.append(Decimal(_cn_number(m.group(8))))
    for m in _MONEY_USD.finditer(text):
        number = m.group(1) or m.group(3) or m.group(4)
        found.append(_scale(number, m.group(2)) * USD_RATE)
    return found


DOCUMENTS = ("护照", "身份证", "证件", "通行证", "passport")


def urgent_signals(text: str, found: list[Signal] | None = None) -> list[Signal]:
    """The signals that make `text` urgent by rule: not negated, and a loss only when it is large
    (about ¥3,000 or more) or of identity documents."""
    found = find(text) if found is None else found
    strong = [s for s in found if s.kind in URGENT_KINDS and not s.negated]
    if any(s.kind == LOSS for s in strong):
        large = any(a >= 3000 for a in amounts(text))
        documents = any(w in s.words.lower() for s in strong for w in DOCUMENTS)
        if not (large or documents):
            strong = [s for s in strong if s.kind != LOSS]
    return strong
