"""The words and people of `amends demo`: the staff roster, customer names and the complaint
texts in Chinese and English. Pure data, no database; the builder in
`management/commands/demo.py` combines them with a seeded random generator.

Every pair is (中文, English); the builder picks the complaint's language.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "amends-demo"
DEMO_COMPANY = ("Lifeforce 力健健身集团", "DEMO")
# (code, name, kind)
DEMO_VENUES = (
    ("GYM1", "静安健身会所 Jing'an Club", "gym"),
    ("GYM2", "浦东健身会所 Pudong Club", "gym"),
    ("HTL1", "外滩酒店 Bund Hotel", "hotel"),
)

Pair = tuple[str, str]


@dataclass(frozen=True)
class Person:
    """One member of staff. `venue` None: company-wide. `login`: signs in with DEMO_PASSWORD."""

    username: str
    role: str
    venue: str | None
    department: str | None
    name: str
    email: str = ""
    language: str = "zh-hans"
    login: bool = False


# The eight demo logins first (fixed usernames), then the rest of each venue's team.
STAFF: tuple[Person, ...] = (
    Person("desk", "front_desk", "GYM1", "front_office", "张晓雯 Zhang Xiaowen", login=True),
    Person(
        "specialist",
        "specialist",
        "GYM1",
        "customer_service",
        "陈静 Chen Jing",
        "chen.jing@example.com",
        login=True,
    ),
    Person(
        "manager",
        "manager",
        "GYM1",
        "customer_service",
        "刘洋 Liu Yang",
        "liu.yang@example.com",
        login=True,
    ),
    Person("maintenance", "maintenance", "GYM1", "maintenance", "赵强 Zhao Qiang", login=True),
    Person(
        "courses",
        "course_supervisor",
        "GYM1",
        "courses",
        "郑欣 Zheng Xin",
        "zheng.xin@example.com",
        login=True,
    ),
    Person(
        "director",
        "director",
        None,
        None,
        "王建国 Wang Jianguo",
        "wang.jianguo@example.com",
        login=True,
    ),
    Person("auditor", "auditor", None, None, "钱敏 Qian Min", "qian.min@example.com", login=True),
    Person(
        "admin",
        "admin",
        None,
        None,
        "系统管理员 Administrator",
        "admin@example.com",
        "en",
        login=True,
    ),
    # 静安 GYM1 (its only maintenance worker is the `maintenance` login, so the README walk-through
    # routes a treadmill injury to someone a newcomer can sign in as)
    Person("gym1.desk2", "front_desk", "GYM1", "front_office", "李娜 Li Na"),
    Person("gym1.cs2", "specialist", "GYM1", "customer_service", "周婷 Zhou Ting"),
    Person(
        "gym1.cs3", "specialist", "GYM1", "customer_service", "吴昊 Wu Hao", "wu.hao@example.com"
    ),
    Person("gym1.coach.wang", "staff", "GYM1", "courses", "王教练 Coach Wang"),
    Person("gym1.coach.li", "staff", "GYM1", "courses", "李教练 Coach Li"),
    Person("gym1.coach.huang", "staff", "GYM1", "courses", "黄教练 Coach Huang"),
    Person("gym1.coach.lin", "staff", "GYM1", "courses", "林教练 Coach Lin"),
    # 浦东 GYM2
    Person("gym2.desk1", "front_desk", "GYM2", "front_office", "何敏 He Min"),
    Person("gym2.desk2", "front_desk", "GYM2", "front_office", "唐悦 Tang Yue"),
    Person("gym2.cs1", "specialist", "GYM2", "customer_service", "马丽 Ma Li", "ma.li@example.com"),
    Person("gym2.cs2", "specialist", "GYM2", "customer_service", "高峰 Gao Feng"),
    Person(
        "gym2.manager", "manager", "GYM2", "customer_service", "徐斌 Xu Bin", "xu.bin@example.com"
    ),
    Person("gym2.tech", "maintenance", "GYM2", "maintenance", "郭建 Guo Jian"),
    Person("gym2.courses", "course_supervisor", "GYM2", "courses", "罗琳 Luo Lin"),
    Person("gym2.coach.yang", "staff", "GYM2", "courses", "杨教练 Coach Yang"),
    Person("gym2.coach.zhu", "staff", "GYM2", "courses", "朱教练 Coach Zhu"),
    Person("gym2.coach.hu", "staff", "GYM2", "courses", "胡教练 Coach Hu"),
    # 外滩酒店 HTL1
    Person("htl1.desk1", "front_desk", "HTL1", "front_office", "沈佳 Shen Jia"),
    Person("htl1.desk2", "front_desk", "HTL1", "front_office", "韩雪 Han Xue"),
    Person(
        "htl1.gro1",
        "specialist",
        "HTL1",
        "customer_service",
        "陈艾米 Emily Chen",
        "emily.chen@example.com",
        "en",
    ),
    Person("htl1.gro2", "specialist", "HTL1", "customer_service", "冯晨 Feng Chen"),
    Person(
        "htl1.manager",
        "manager",
        "HTL1",
        "customer_service",
        "刘杰 James Liu",
        "james.liu@example.com",
        "en",
    ),
    Person("htl1.engineer", "maintenance", "HTL1", "maintenance", "曹勇 Cao Yong"),
    Person("htl1.fitness", "course_supervisor", "HTL1", "courses", "彭浩 Peng Hao"),
    Person("htl1.coach.deng", "staff", "HTL1", "courses", "邓教练 Coach Deng"),
    Person("htl1.bell.dong", "staff", "HTL1", "front_office", "行李员小董 Bellman Dong"),
    Person("htl1.hk.jiang", "staff", "HTL1", "front_office", "客房服务员蒋阿姨 Housekeeper Jiang"),
)

# --- customers ------------------------------------------------------------------------------

# (汉字, pinyin)
ZH_SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("田", "tian"),
    ("董", "dong"),
    ("潘", "pan"),
    ("蒋", "jiang"),
)
ZH_GIVEN = (
    ("芳", "fang"),
    ("伟", "wei"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("霞", "xia"),
    ("婷", "ting"),
    ("欣怡", "xinyi"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("雨桐", "yutong"),
    ("思远", "siyuan"),
    ("嘉怡", "jiayi"),
    ("宇轩", "yuxuan"),
    ("佳琪", "jiaqi"),
    ("晓东", "xiaodong"),
    ("文博", "wenbo"),
    ("丽华", "lihua"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("美玲", "meiling"),
    ("俊杰", "junjie"),
    ("雪梅", "xuemei"),
)
EN_FIRST = (
    "Michael",
    "Sarah",
    "David",
    "Emma",
    "James",
    "Sophie",
    "Daniel",
    "Laura",
    "Thomas",
    "Anna",
    "Lucas",
    "Olivia",
    "Marco",
    "Julia",
    "Kenji",
    "Hannah",
    "Ahmed",
    "Chloe",
    "Pierre",
    "Mia",
    "Ryan",
    "Grace",
    "Oliver",
    "Isabel",
    "Jonas",
    "Priya",
)
EN_LAST = (
    "Smith",
    "Brown",
    "Müller",
    "Martin",
    "Rossi",
    "Tanaka",
    "Kim",
    "Johnson",
    "Dubois",
    "Schmidt",
    "Wilson",
    "Nguyen",
    "Garcia",
    "Taylor",
    "Anderson",
    "Novak",
    "O'Brien",
    "Larsen",
    "Silva",
    "Patel",
)
MOBILE_PREFIXES = (
    "139",
    "138",
    "137",
    "136",
    "135",
    "150",
    "151",
    "158",
    "159",
    "186",
    "188",
    "130",
    "131",
    "133",
    "153",
    "180",
    "189",
    "177",
    "199",
    "187",
)
MAIL_DOMAINS = ("example.com", "example.net", "example.org")

# --- complaint texts ------------------------------------------------------------------------

# Values for the {slots} of the texts, per language.
SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "cls": ("动感单车", "瑜伽", "普拉提", "搏击操", "HIIT燃脂", "尊巴", "杠铃操"),
        "machine": ("跑步机", "椭圆机", "划船机", "动感单车", "史密斯机", "坐姿推胸器"),
        "hour": ("早上7点", "中午12点", "下午3点", "晚上7点", "晚上8点半"),
        "item": ("蓝牙耳机", "手表", "钱包", "眼镜", "保温杯", "车钥匙"),
    },
    "en": {
        "cls": ("spinning", "yoga", "Pilates", "body combat", "HIIT", "Zumba"),
        "machine": ("treadmill", "cross-trainer", "rowing machine", "spin bike", "cable machine"),
        "hour": ("7 am", "noon", "3 pm", "7 pm", "8:30 pm"),
        "item": ("AirPods", "watch", "wallet", "glasses", "water bottle", "car key"),
    },
}


@dataclass(frozen=True)
class Text:
    """One kind of complaint as a customer tells it.

    `subject`: who it is about — "coach", "desk" or "staff" of the venue, or nobody. `stakes`:
    how much money a fair remedy may involve (low, mid, high). `unfounded`: when set, the
    complaint can turn out invalid; (investigation report, explanation to the customer).
    `abusive`: a malicious complaint the venue declines.
    """

    category: str
    severity: str
    venue: str  # gym | hotel
    text: str
    request: str = ""
    location: str = ""
    subject: str = ""
    psychology: str = ""
    stakes: str = "low"
    unfounded: Pair | None = None
    abusive: bool = False


ZH_TEXTS: tuple[Text, ...] = (
    # --- gyms
    Text(
        "safety_security",
        "urgent",
        "gym",
        "在{machine}上跑步时皮带突然打滑，我摔倒了，膝盖流血。当时旁边没有教练，前台只给了一张创可贴。",
        "赔偿医药费，检修所有跑步机",
        "二楼有氧区",
        psychology="compensation",
        stakes="high",
    ),
    Text(
        "facility_equipment",
        "general",
        "gym",
        "有氧区的{machine}屏幕不亮、速度也调不了，贴着“维修中”已经一个多星期了，高峰期根本排不上。",
        "尽快修好",
        "二楼有氧区",
    ),
    Text(
        "facility_equipment",
        "important",
        "gym",
        "男更衣室{locker}号储物柜锁坏了，手机和车钥匙锁在里面打不开，等了四十分钟才有人来开。",
        "修好柜锁并道歉",
        "男更衣室",
        psychology="vent",
    ),
    Text(
        "facility_equipment",
        "general",
        "gym",
        "淋浴间{hour}以后就只有冷水，这么冷的天根本没法洗，已经反映过两次了。",
        "尽快修好热水",
        "男更衣室淋浴间",
        psychology="vent",
    ),
    Text(
        "facility_equipment",
        "important",
        "gym",
        "{machine}的钢缆已经磨得起毛了，看着随时会断，一直没有人管。",
        "立即停用并更换",
        "力量区",
    ),
    Text(
        "hygiene_environment",
        "general",
        "gym",
        "瑜伽垫很脏，上面有头发和汗渍，感觉很久没有消毒了。",
        "定期清洁消毒",
        "瑜伽教室",
    ),
    Text(
        "hygiene_environment",
        "general",
        "gym",
        "更衣室一股很重的霉味，地面总是积水，差点滑倒。",
        "加强清洁和通风",
        "女更衣室",
    ),
    Text(
        "hygiene_environment",
        "general",
        "gym",
        "器械区空调不够凉，晚上人又多，闷得喘不过气，还有很重的汗味。",
        "调低温度，控制人数",
        "器械区",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "{hour}的{cls}课临时取消，没有任何通知，我下班专门赶过来白跑一趟。",
        "以后提前通知，给我补一节课",
        "团操教室",
        psychology="vent",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "{cls}课永远约不上，系统显示满员，到现场一看只来了一半人，名额都被占着不来。",
        "对爽约的人限制预约",
        "团操教室",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "新课表把晚上的{cls}课全挪到九点以后了，上班族根本赶不上。",
        "恢复晚上七点的课",
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "gym",
        "{coach}私教课迟到了二十分钟，上课时还一直看手机，这节课等于白上。",
        "退一节课时费并更换教练",
        "私教区",
        subject="coach",
        psychology="compensation",
        stakes="mid",
        unfounded=(
            "核对预约记录：客户预约的是19:30的课，客户19:10到店误以为教练迟到；教练准时到岗，监控可证。",
            "经核对预约记录和监控，您预约的课程时间为19:30，教练准时到岗。可能是时间上有误会，给您带来不便深表歉意。",
        ),
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "gym",
        "{coach}每次训练都在推销私教课和蛋白粉，我说不需要还冷嘲热讽，说我这样练一辈子也没效果。",
        "教练道歉，不要再推销",
        "器械区",
        subject="coach",
        psychology="respect",
        stakes="mid",
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "gym",
        "{coach}纠正动作时有不恰当的身体接触，我明确拒绝后还继续，让我很不舒服。",
        "严肃处理，更换教练",
        "私教区",
        subject="coach",
        psychology="respect",
        stakes="mid",
    ),
    Text(
        "service_attitude",
        "general",
        "gym",
        "前台{staff}态度很差，我问续卡优惠她爱答不理，一直在玩手机。",
        "道歉",
        "一楼前台",
        subject="desk",
        psychology="respect",
    ),
    Text(
        "service_attitude",
        "general",
        "gym",
        "打客服电话三次都没人接，好不容易接通了说会回电，结果一直没人回。",
        "有人回电解决问题",
        psychology="vent",
    ),
    Text(
        "service_quality",
        "general",
        "gym",
        "办卡时承诺的免费体测和两节私教课，两个月了都没有安排。",
        "兑现承诺",
        stakes="mid",
    ),
    Text(
        "service_quality",
        "general",
        "gym",
        "体测做完一个星期了报告还没拿到，问了三次都说在出。",
        "尽快给报告",
        "体测室",
    ),
    Text(
        "billing_price",
        "important",
        "gym",
        "会员卡自动续费被扣了两次，每次{amount}元，我有银行流水。",
        "退还重复扣款",
        stakes="high",
        psychology="compensation",
        unfounded=(
            "财务核对支付流水：第二笔为客户为家人办理的副卡费用，持卡人签字确认，并非重复扣款。",
            "经核对，第二笔款项是您为家人办理副卡的费用，有您的签字确认，并非重复扣款。附上两笔交易明细供您核对。",
        ),
    ),
    Text(
        "billing_price",
        "important",
        "gym",
        "买的私教课包比公众号活动页上写的贵了{n}00元，前台说活动已经结束了，可海报还挂在门口。",
        "按活动价退差价",
        "一楼前台",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "billing_price",
        "general",
        "gym",
        "在水吧扫码买饮料被扣了两次钱，每次{n}8元。",
        "退回多扣的钱",
        "水吧",
        unfounded=(
            "核对收银记录：两笔为两次不同的购买（运动饮料和矿泉水），无重复扣款。",
            "经核对收银记录，两笔分别是运动饮料和矿泉水的消费，没有重复扣款。如有疑问欢迎随时来前台核对。",
        ),
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "我骨折了申请冻结会籍三个月，有医院证明，店里却说年卡不能冻结。",
        "按合同冻结",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "我搬家了想把卡转给朋友，店里要收{amount}元转让费，合同上根本没有这一条。",
        "免收转让费",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "退卡申请交了一个月，一直说在走流程，钱到现在还没退。",
        "尽快退款",
        stakes="high",
        psychology="vent",
    ),
    Text(
        "product_quality",
        "general",
        "gym",
        "在前台买的蛋白粉打开发现已经过期两个月了。",
        "退货退款",
        "一楼前台",
        stakes="low",
        psychology="compensation",
    ),
    Text("product_quality", "general", "gym", "店里卖的运动水壶用了两次就漏水。", "换货"),
    Text(
        "privacy_data",
        "important",
        "gym",
        "退卡以后还是天天接到你们销售的电话，还有别的健身房打来，说拿到了我的号码。",
        "删除我的信息，停止骚扰",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "privacy_data",
        "important",
        "gym",
        "{coach}把我的体测照片发到了员工群里，我根本没有同意。",
        "删除照片并道歉",
        subject="coach",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "noise",
        "general",
        "gym",
        "功能区音乐开得太大声，隔壁瑜伽教室完全静不下来。",
        "调小音量",
        "瑜伽教室",
    ),
    Text(
        "lost_property",
        "general",
        "gym",
        "我在{cls}教室落下了{item}，第二天去问，前台说没人捡到，监控也不给看。",
        "帮忙查监控找回",
        "团操教室",
        unfounded=(
            "调取教室监控：客户离开时已将物品随身带走，此后教室内无人拾取物品。",
            "我们调取了教室监控，画面显示您离开时已随身带走该物品。建议您再找找车里或包里，如仍需帮助请联系我们。",
        ),
    ),
    Text(
        "lost_property",
        "important",
        "gym",
        "{locker}号柜子里的{item}不见了，柜子没有被撬的痕迹。",
        "查清楚并赔偿",
        "男更衣室",
        stakes="high",
        psychology="compensation",
        unfounded=(
            "调取更衣室门口监控并核对手环记录：客户当天使用的是另一区域的储物柜，所述物品在原柜中找到。",
            "经核对手环记录和监控，您当天使用的是另一区域的储物柜，物品已在该柜中找到，请来前台领取。",
        ),
    ),
    Text(
        "booking_reservation",
        "general",
        "gym",
        "在小程序上约好的私教课，到店后说没有预约记录，{coach}已经排了别人。",
        "以后保证预约有效",
        "私教区",
    ),
    Text(
        "booking_reservation",
        "general",
        "gym",
        "小程序显示{cls}课预约成功，签到机却说我没有预约，不让进教室。",
        "修复系统",
        "团操教室",
    ),
    Text(
        "other",
        "general",
        "gym",
        "会员停车两小时也要收费，太贵了，希望能有优惠。",
        "会员免费停车两小时",
        "地下停车场",
    ),
    Text(
        "other",
        "general",
        "gym",
        "建议增加女性专用的力量训练区，现在器械区男士太多，不太方便。",
        "增加女性专区",
    ),
    Text(
        "safety_security",
        "urgent",
        "gym",
        "泳池二十分钟没有救生员在岗，一个小孩差点溺水，是旁边的家长把他拉上来的。",
        "救生员必须在岗",
        "泳池",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "safety_security",
        "urgent",
        "gym",
        "女更衣室有人拿手机对着淋浴间，像是在偷拍，我已经报警了。",
        "调查并加强安保",
        "女更衣室",
        stakes="mid",
        psychology="respect",
    ),
    # --- hotel
    Text(
        "noise",
        "general",
        "hotel",
        "隔壁{room}房间半夜一直大声喧哗，打了三次前台电话都没人管，一夜没睡。",
        "减免房费",
        "客房楼层",
        psychology="vent",
        stakes="mid",
    ),
    Text(
        "hygiene_environment",
        "important",
        "hotel",
        "入住{room}房间发现床单上有头发和污渍，卫生间有霉味。",
        "换房并道歉",
        "客房",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "service_quality",
        "general",
        "hotel",
        "“请即打扫”的牌子挂了一整天，到下午五点房间都没人打扫。",
        "道歉",
        "客房",
    ),
    Text(
        "booking_reservation",
        "important",
        "hotel",
        "在携程订的大床房，到店说大床房没有了，只能给双床，还不给退差价。",
        "退差价",
        "前台",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "lost_property",
        "important",
        "hotel",
        "退房时把{item}落在{room}房间了，打电话问说没找到。",
        "找回物品",
        "客房",
        stakes="mid",
        unfounded=(
            "查阅客房服务员查房记录和失物登记，退房查房时房内无遗留物品；楼层监控显示客人离店时随身携带。",
            "我们核查了退房查房记录和楼层监控，房内未发现遗留物品，监控显示您离店时已随身携带。如有新线索请随时联系我们。",
        ),
    ),
    Text(
        "billing_price",
        "important",
        "hotel",
        "退房账单里多了两瓶迷你吧红酒，{amount}元，我根本没开过。",
        "取消这笔费用",
        "前台",
        stakes="mid",
        psychology="compensation",
        unfounded=(
            "核对迷你吧补货记录和入住人信息：红酒于入住当晚开启，同住人已签单确认。",
            "经核对，迷你吧红酒于入住当晚开启，同住人已签单确认。我们理解您的疑问，附上签单记录供您核对。",
        ),
    ),
    Text(
        "facility_equipment",
        "general",
        "hotel",
        "房间空调不制冷，热得睡不着，工程部来看了两次还是没修好。",
        "换房或修好",
        "客房",
        psychology="vent",
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "hotel",
        "行李员{staff}把我的行李箱摔坏了一个轮子，还说不是他弄的。",
        "赔偿行李箱",
        "大堂",
        subject="staff",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "privacy_data",
        "urgent",
        "hotel",
        "前台把我的房间号告诉了一个陌生人，那人半夜来敲我的门，我很害怕。",
        "调查并道歉",
        "前台",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "safety_security",
        "important",
        "hotel",
        "{room}房间门锁关不严，推一下就开，换了房卡还是一样。",
        "马上换房并修锁",
        "客房",
    ),
    Text(
        "product_quality",
        "general",
        "hotel",
        "早餐的牛奶是酸的，孩子喝了以后肚子不舒服。",
        "道歉并检查食品",
        "自助餐厅",
        stakes="mid",
        psychology="respect",
    ),
)

EN_TEXTS: tuple[Text, ...] = (
    # --- gyms
    Text(
        "safety_security",
        "urgent",
        "gym",
        "The {machine} belt slipped while I was running and I fell. My knee was bleeding and there was no "
        "trainer anywhere; the front desk just handed me a plaster.",
        "Cover my medical costs and check every treadmill",
        "Cardio zone, 2F",
        psychology="compensation",
        stakes="high",
    ),
    Text(
        "facility_equipment",
        "general",
        "gym",
        "The {machine} in the cardio zone has had an 'out of order' sign on it for more than a week.",
        "Fix it",
        "Cardio zone",
    ),
    Text(
        "facility_equipment",
        "general",
        "gym",
        "The showers in the men's changing room only run cold after {hour}. I have reported this twice.",
        "Fix the hot water",
        "Men's changing room",
        psychology="vent",
    ),
    Text(
        "facility_equipment",
        "important",
        "gym",
        "Locker {locker} jammed with my phone and keys inside. I waited 45 minutes for someone to open it.",
        "Fix the lock and an apology",
        "Men's changing room",
        psychology="vent",
    ),
    Text(
        "facility_equipment",
        "general",
        "gym",
        "The club Wi-Fi has been down for days and my training app will not load.",
        "Fix the Wi-Fi",
    ),
    Text(
        "hygiene_environment",
        "general",
        "gym",
        "The yoga mats are filthy - hair and sweat stains everywhere. When were they last cleaned?",
        "Clean them regularly",
        "Yoga studio",
    ),
    Text(
        "hygiene_environment",
        "general",
        "gym",
        "The changing room smells of mould and the floor is always wet. I nearly slipped.",
        "Clean and ventilate it",
        "Women's changing room",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "The {hour} {cls} class was cancelled without any notice. I crossed town for nothing.",
        "Notify us in advance and give me a make-up class",
        "Studio 1",
        psychology="vent",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "The {cls} class always shows as full, but half the places are empty - people book and never come.",
        "Limit bookings for no-shows",
        "Studio 2",
    ),
    Text(
        "class_schedule",
        "general",
        "gym",
        "The new timetable moved all evening {cls} classes to 9 pm. That is too late for working members.",
        "Bring back the 7 pm class",
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "gym",
        "{coach} arrived 20 minutes late to my personal training session and spent the rest of it on the phone.",
        "Refund the session and a different coach",
        "PT area",
        subject="coach",
        psychology="compensation",
        stakes="mid",
        unfounded=(
            "预约记录显示课程为19:30，客户19:10到店误以为教练迟到；教练准时到岗，监控可证。",
            "Our booking records and CCTV show your session was booked for 7:30 pm and the coach was on "
            "time. We are sorry for the confusion and happy to help you check future bookings.",
        ),
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "gym",
        "{coach} keeps pushing supplements and PT packages at me and gets sarcastic when I say no.",
        "An apology and no more sales pitches",
        "Free-weights area",
        subject="coach",
        psychology="respect",
        stakes="mid",
    ),
    Text(
        "service_attitude",
        "general",
        "gym",
        "The receptionist {staff} ignored me for five minutes and then answered my question about renewals "
        "very rudely.",
        "An apology",
        "Front desk",
        subject="desk",
        psychology="respect",
    ),
    Text(
        "service_quality",
        "general",
        "gym",
        "I was promised a free body-composition test and two PT sessions when I joined. Two months later, "
        "nothing has been scheduled.",
        "Keep the promise",
        stakes="mid",
    ),
    Text(
        "service_quality",
        "general",
        "gym",
        "Towels ran out by 7 pm three times this week.",
        "Enough towels in the evening",
        "Changing rooms",
    ),
    Text(
        "billing_price",
        "important",
        "gym",
        "My membership renewal was charged twice, {amount} yuan each time. I have the bank statement.",
        "Refund the double charge",
        stakes="high",
        psychology="compensation",
        unfounded=(
            "财务核对：第二笔为客户为家人办理的副卡费用，有客户签字确认。",
            "We checked both payments: the second one is for the family card you added for your "
            "partner, signed by you at the desk. Both receipts are attached for your reference.",
        ),
    ),
    Text(
        "billing_price",
        "general",
        "gym",
        "The PT package price at the desk was {n}00 yuan higher than the price in your WeChat promotion.",
        "Refund the difference",
        "Front desk",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "I broke my wrist and asked to freeze my membership for two months with a doctor's note. The club "
        "refused.",
        "Freeze it as the contract says",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "I am moving to Beijing and asked to cancel. I was told I would simply lose the remaining eight months.",
        "A pro-rata refund",
        stakes="high",
        psychology="compensation",
    ),
    Text(
        "membership_contract",
        "important",
        "gym",
        "I submitted a refund request five weeks ago and still have neither the money nor an answer.",
        "My refund, now",
        stakes="high",
        psychology="vent",
    ),
    Text(
        "product_quality",
        "general",
        "gym",
        "The protein bars I bought at the front desk were past their expiry date.",
        "A refund",
        "Front desk",
        psychology="compensation",
    ),
    Text(
        "privacy_data",
        "important",
        "gym",
        "Since I cancelled I still get sales calls from your club almost every day. Please delete my number.",
        "Delete my data and stop calling",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "privacy_data",
        "important",
        "gym",
        "{coach} posted a photo of my body scan in a staff group chat without asking me.",
        "Delete it and an apology",
        subject="coach",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "noise",
        "general",
        "gym",
        "The music in the functional area is so loud I cannot hear my own trainer.",
        "Turn it down",
        "Functional area",
    ),
    Text(
        "lost_property",
        "general",
        "gym",
        "I left my {item} in the {cls} studio. The next day the desk said nothing had been handed in and "
        "refused to check the CCTV.",
        "Check the CCTV",
        "Studio 1",
        unfounded=(
            "调取教室监控：客户离开时已将物品随身带走。",
            "We reviewed the studio CCTV: it shows you leaving with the item. Perhaps it is in your car "
            "or bag? Do contact us if we can help further.",
        ),
    ),
    Text(
        "booking_reservation",
        "general",
        "gym",
        "I booked a PT session in the app, but when I arrived there was no record of it and {coach} was "
        "training someone else.",
        "Make bookings reliable",
        "PT area",
    ),
    Text(
        "booking_reservation",
        "general",
        "gym",
        "The app confirmed my {cls} booking but the check-in kiosk said I had none.",
        "Fix the system",
        "Studio 2",
    ),
    Text(
        "other",
        "general",
        "gym",
        "Member parking is too expensive. Could you offer at least two free hours?",
        "Free parking",
        "Car park",
    ),
    Text(
        "safety_security",
        "urgent",
        "gym",
        "There was no lifeguard at the pool for about 20 minutes this evening while children were swimming.",
        "A lifeguard on duty at all times",
        "Pool",
        stakes="mid",
        psychology="respect",
    ),
    # --- hotel
    Text(
        "noise",
        "general",
        "hotel",
        "The guests in room {room} partied until 3 am. I called reception twice and nothing happened.",
        "A discount on the room",
        "Guest floor",
        psychology="vent",
        stakes="mid",
    ),
    Text(
        "hygiene_environment",
        "important",
        "hotel",
        "Room {room} was not cleaned properly: hair on the sheets and used towels in the bathroom.",
        "Another room and an apology",
        "Guest room",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "service_quality",
        "general",
        "hotel",
        "I asked for housekeeping at 10 am and nobody came until 6 pm.",
        "An apology",
        "Guest room",
    ),
    Text(
        "booking_reservation",
        "important",
        "hotel",
        "I booked a king room through Booking.com; at check-in only twin rooms were left and you would not "
        "refund the difference.",
        "Refund the difference",
        "Reception",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "lost_property",
        "important",
        "hotel",
        "I left my {item} in room {room} at checkout. Housekeeping says they found nothing.",
        "Find it",
        "Guest room",
        stakes="mid",
        unfounded=(
            "退房查房记录和失物登记均无遗留物品；楼层监控显示客人离店时随身携带。",
            "We checked the checkout inspection, the lost-and-found log and the floor CCTV: nothing was "
            "left in the room and the footage shows you leaving with your bags. Please let us know if "
            "you have any other details.",
        ),
    ),
    Text(
        "billing_price",
        "important",
        "hotel",
        "My bill had two bottles of minibar wine ({amount} yuan) that I never opened.",
        "Remove the charge",
        "Reception",
        stakes="mid",
        psychology="compensation",
        unfounded=(
            "迷你吧记录显示红酒于入住当晚开启，同住人签单确认。",
            "Our minibar record shows the wine was opened on your first night and the charge was signed "
            "for by your fellow guest. The signed slip is attached.",
        ),
    ),
    Text(
        "facility_equipment",
        "general",
        "hotel",
        "The air-conditioning in my room does not cool. Engineering came twice and it is still 28 degrees.",
        "A working room",
        "Guest room",
        psychology="vent",
    ),
    Text(
        "coach_staff_conduct",
        "important",
        "hotel",
        "The bellman {staff} dropped my suitcase and broke a wheel, then denied it.",
        "Pay for the suitcase",
        "Lobby",
        subject="staff",
        stakes="mid",
        psychology="compensation",
    ),
    Text(
        "privacy_data",
        "urgent",
        "hotel",
        "The front desk told a stranger my room number; he knocked on my door at midnight.",
        "An investigation and an apology",
        "Reception",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "safety_security",
        "important",
        "hotel",
        "The door of room {room} does not lock properly - it opens with a push.",
        "Another room, fix the lock",
        "Guest room",
    ),
    Text(
        "product_quality",
        "general",
        "hotel",
        "The milk at breakfast was sour and my child felt sick afterwards.",
        "Check the food",
        "Restaurant",
        stakes="mid",
        psychology="respect",
    ),
    Text(
        "service_attitude",
        "general",
        "hotel",
        "The night manager was dismissive when I reported a problem with my room.",
        "An apology",
        "Reception",
        psychology="respect",
    ),
    Text(
        "booking_reservation",
        "general",
        "hotel",
        "My airport pickup was booked and confirmed, but no driver showed up and I took a taxi.",
        "Refund the taxi",
        "Airport",
        stakes="mid",
        psychology="compensation",
    ),
)

ABUSIVE_TEXTS: dict[str, tuple[Text, ...]] = {
    "zh": (
        Text(
            "safety_security",
            "urgent",
            "gym",
            "在你们店扭了一下脚，必须赔我五万块，不然我就发抖音、找媒体曝光，让你们开不下去。",
            "赔偿五万元",
            psychology="hostile",
            abusive=True,
        ),
        Text(
            "coach_staff_conduct",
            "important",
            "gym",
            "你们教练看我不顺眼，我要求你们开除他，再免费送我三年会籍，否则我天天来闹。",
            "开除教练，送三年会籍",
            psychology="hostile",
            abusive=True,
        ),
        Text(
            "service_attitude",
            "important",
            "hotel",
            "你们酒店就是骗子，立刻免掉我所有房费，不然我每天在所有平台刷差评。",
            "免除全部房费",
            psychology="hostile",
            abusive=True,
        ),
    ),
    "en": (
        Text(
            "service_attitude",
            "important",
            "gym",
            "Your staff are useless. Pay me 20,000 yuan or I will post reviews on every platform every day "
            "until you close.",
            "20,000 yuan",
            psychology="hostile",
            abusive=True,
        ),
        Text(
            "other",
            "important",
            "hotel",
            "Refund my whole stay and upgrade me to a suite for free next time, or I go to the press tonight.",
            "Full refund and a free suite",
            psychology="hostile",
            abusive=True,
        ),
    ),
}

# --- handling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handling:
    """How a category is typically investigated and put right.

    `responsibility` is a Complaint.Responsibility value; "staff" falls back to `department`
    when the complaint names nobody. `zero`: the remedy that costs nothing (kind, text).
    """

    report: Pair
    feedback: Pair
    responsibility: str
    department: str
    cause: str
    zero: tuple[str, Pair]
    interview: Pair


HANDLING: dict[str, Handling] = {
    "facility_equipment": Handling(
        (
            "工程部现场检查确认故障：部件老化磨损，日常点检未及时发现。已停用并安排维修，同类设备全部复查。",
            "Engineering confirmed the fault on site: a worn part that the daily check missed. Taken out of use, "
            "repaired, and all similar equipment checked.",
        ),
        (
            "您反映的设备问题已修复并测试正常，我们也加强了每日点检。感谢您的反馈！",
            "The equipment you reported has been repaired and tested, and we have tightened our daily checks. "
            "Thank you for telling us.",
        ),
        "department",
        "maintenance",
        "objective",
        (
            "repair",
            ("立即维修并全面检修同类设备", "Repair at once and service all similar equipment"),
        ),
        (
            "当班工程人员：上周点检表已签字，但未发现该部件磨损。",
            "Engineer on duty: signed last week's checklist but did not notice the worn part.",
        ),
    ),
    "hygiene_environment": Handling(
        (
            "核查清洁记录：当班保洁未按清洁表执行，消毒记录缺失两天；通风设备滤网堵塞。",
            "Cleaning log checked: the shift did not follow the schedule and two days of disinfection records "
            "are missing; the ventilation filter was clogged.",
        ),
        (
            "已安排全面清洁消毒，调整保洁排班并每两小时巡检一次。给您带来不好的体验，非常抱歉。",
            "We have deep-cleaned the area, changed the cleaning rota and now inspect every two hours. We are "
            "sorry for the unpleasant experience.",
        ),
        "department",
        "front_office",
        "subjective",
        ("apology", ("致歉并立即安排全面清洁消毒", "An apology and an immediate deep clean")),
        (
            "保洁主管：周末人手不足，部分区域漏做。",
            "Cleaning supervisor: short-staffed at the weekend; some areas were skipped.",
        ),
    ),
    "class_schedule": Handling(
        (
            "课程部核实：教练临时请假后未安排代课，也未按规定提前24小时通知已预约会员。",
            "Courses checked: the coach called in sick, no substitute was arranged and booked members were not "
            "told 24 hours ahead as required.",
        ),
        (
            "已为您优先补约同类课程，并规定课程变动须提前24小时短信通知。",
            "We have booked you a make-up class with priority, and schedule changes are now always sent by text "
            "24 hours ahead.",
        ),
        "department",
        "courses",
        "subjective",
        ("class_adjustment", ("优先为您补约同类课程", "A priority make-up class")),
        (
            "课程主管：代课安排流程存在漏洞，已补充代课教练名单。",
            "Course supervisor: the substitute process had a gap; a list of stand-in coaches now exists.",
        ),
    ),
    "coach_staff_conduct": Handling(
        (
            "约谈当事人并调取监控，投诉情况属实：当事人存在违反服务规范的行为。",
            "Interviewed the person concerned and reviewed CCTV: the complaint is founded; the conduct breached "
            "our service standards.",
        ),
        (
            "经调查情况属实，我们已对当事人作出处理并安排培训，在此向您郑重道歉。",
            "Our investigation found your complaint justified. The staff member has been dealt with and retrained, "
            "and we sincerely apologise.",
        ),
        "staff",
        "courses",
        "subjective",
        (
            "apology",
            (
                "由经理陪同当事人当面致歉",
                "A personal apology from the staff member, with the manager",
            ),
        ),
        (
            "当事人承认当时处理不当，表示愿意道歉。",
            "The staff member admitted handling it badly and is willing to apologise.",
        ),
    ),
    "service_attitude": Handling(
        (
            "调取前台监控并约谈当班人员，确认服务用语和态度不符合服务规范。",
            "Reviewed the front-desk CCTV and interviewed the shift: language and manner fell short of our "
            "service standards.",
        ),
        (
            "我们已与相关同事谈话并安排服务礼仪培训，对您受到的怠慢深表歉意。",
            "We have spoken with the colleague and arranged service training. We are sorry you were treated "
            "that way.",
        ),
        "staff",
        "front_office",
        "subjective",
        ("apology", ("客服经理致电致歉", "An apology call from the customer-service manager")),
        (
            "当班人员：当时正在处理系统问题，承认态度不好。",
            "Colleague on shift: was dealing with a system problem at the time; admits being curt.",
        ),
    ),
    "service_quality": Handling(
        (
            "核实服务记录：承诺的服务未按时兑现，系交接班遗漏，无人跟进。",
            "Service records checked: what was promised was not delivered because a hand-over was missed and "
            "nobody followed up.",
        ),
        (
            "承诺的服务已为您全部安排，我们也完善了交接流程。感谢您的耐心。",
            "Everything we promised has now been scheduled for you, and we have fixed our hand-over process. "
            "Thank you for your patience.",
        ),
        "department",
        "customer_service",
        "subjective",
        (
            "free_service",
            (
                "补齐承诺的服务并指定专人跟进",
                "Deliver what was promised, with a named person following up",
            ),
        ),
        (
            "客服专员：交接记录中未写明该事项。",
            "Specialist: the hand-over note did not mention it.",
        ),
    ),
    "billing_price": Handling(
        (
            "财务核对支付流水和收银记录，确认存在重复扣款/价格执行错误。",
            "Finance checked the payment records and the till: the customer was indeed charged twice / the "
            "wrong price.",
        ),
        (
            "多收的款项已原路退回，预计1–3个工作日到账。给您带来困扰，非常抱歉。",
            "The overcharge has been refunded to your original payment method and should arrive within 1-3 "
            "working days. We apologise for the trouble.",
        ),
        "department",
        "front_office",
        "objective",
        ("apology", ("致歉并说明收费明细", "An apology and a full explanation of the charges")),
        (
            "收银员：系统卡顿时重复提交了一次。",
            "Cashier: the system froze and the payment was submitted twice.",
        ),
    ),
    "membership_contract": Handling(
        (
            "对照会员合同第7条复核：门店处理不符合合同约定，属门店执行错误。",
            "Checked against clause 7 of the membership contract: the club's handling did not follow the "
            "contract.",
        ),
        (
            "已按合同为您办理，相关手续已完成。感谢您的理解与支持。",
            "We have handled your request as the contract provides; the paperwork is complete. Thank you for "
            "your understanding.",
        ),
        "department",
        "customer_service",
        "subjective",
        (
            "membership_extension",
            ("按合同办理并顺延会籍", "Handle as the contract says and extend the membership"),
        ),
        (
            "会籍顾问：对合同条款理解有误。",
            "Membership consultant: had misread the contract terms.",
        ),
    ),
    "product_quality": Handling(
        (
            "检查同批次商品，确认存在过期/质量问题，已全部下架并联系供应商。",
            "Checked the same batch: expired / defective; all taken off sale and the supplier contacted.",
        ),
        (
            "问题商品已为您退换，同批次已全部下架，并加强了进货检查。",
            "The product has been refunded or replaced, the whole batch is off the shelves and incoming checks "
            "are stricter.",
        ),
        "third_party",
        "front_office",
        "objective",
        ("repair", ("退换商品", "Replace or refund the product")),
        (
            "库管：该批次到货时未逐一检查保质期。",
            "Stock keeper: expiry dates were not checked item by item on delivery.",
        ),
    ),
    "safety_security": Handling(
        (
            "调取监控、询问目击客人和当班人员，确认事发经过；巡查和设备维护存在疏漏。",
            "Reviewed CCTV and spoke to witnesses and staff on duty: events confirmed; patrols and maintenance "
            "were lacking.",
        ),
        (
            "我们已完成整改：加强巡查和设备检查，并承担相应费用。再次向您致歉，祝您早日康复。",
            "We have put things right: more patrols, more equipment checks, and we are covering the costs. "
            "Again, our apologies - we wish you a quick recovery.",
        ),
        "department",
        "maintenance",
        "objective",
        ("apology", ("总监当面致歉并陪同复查", "A personal apology from the director")),
        (
            "目击会员：事发时附近没有工作人员。",
            "Witness: there was no staff member nearby when it happened.",
        ),
    ),
    "privacy_data": Handling(
        (
            "核查系统导出记录和通话记录，确认客户信息被违规使用，已停止相关外呼并删除数据。",
            "Checked exports and call logs: the customer's data was misused; calls stopped and the data deleted.",
        ),
        (
            "您的信息已从营销名单中删除，相关人员已被处理，我们也收紧了数据权限。",
            "Your details have been removed from every marketing list, the people involved have been dealt with "
            "and data access has been tightened.",
        ),
        "department",
        "customer_service",
        "subjective",
        (
            "apology",
            (
                "书面致歉并确认删除数据",
                "A written apology and confirmation that the data is deleted",
            ),
        ),
        (
            "销售主管：离职员工带走了客户名单。",
            "Sales lead: a former employee took the customer list.",
        ),
    ),
    "noise": Handling(
        (
            "现场测量音量超出规定标准，值班人员未及时处理。",
            "Sound level measured above our standard; the duty staff did not act in time.",
        ),
        (
            "我们已调整音量标准并要求值班人员及时处理噪音投诉。打扰到您，非常抱歉。",
            "We have set a lower volume limit and duty staff now act on noise complaints at once. Sorry for "
            "the disturbance.",
        ),
        "third_party",
        "front_office",
        "objective",
        ("apology", ("致歉并调整音量管理", "An apology and stricter volume control")),
        (
            "值班经理：当晚客满，未能及时上楼处理。",
            "Duty manager: the house was full that night and nobody went up in time.",
        ),
    ),
    "lost_property": Handling(
        (
            "调取监控并检查失物登记，物品确在营业场所内遗失，保洁未按规定登记拾获物品。",
            "CCTV and the lost-and-found log checked: the item was lost on our premises and cleaning staff did "
            "not log what they found.",
        ),
        (
            "我们已按规定处理，并完善了失物登记流程。给您带来不便，非常抱歉。",
            "We have settled this as our policy provides and tightened the lost-and-found log. Sorry for the "
            "inconvenience.",
        ),
        "department",
        "front_office",
        "objective",
        ("apology", ("致歉并协助查找", "An apology and help to search")),
        (
            "保洁：当晚在教室捡到物品，放在了工具间忘记登记。",
            "Cleaner: found an item that evening and left it in the store room without logging it.",
        ),
    ),
    "booking_reservation": Handling(
        (
            "核查预约系统日志，发现系统同步故障导致预约丢失，前台未人工核对。",
            "Booking logs checked: a sync fault lost the booking and the desk did not check by hand.",
        ),
        (
            "系统问题已修复，您的预约已恢复并优先安排。感谢您的耐心。",
            "The system fault is fixed and your booking restored with priority. Thank you for your patience.",
        ),
        "department",
        "customer_service",
        "objective",
        ("class_adjustment", ("优先重新安排预约", "Re-book with priority")),
        (
            "前台：系统显示异常时没有电话确认。",
            "Desk: did not phone to confirm when the system showed an error.",
        ),
    ),
    "other": Handling(
        (
            "已记录客户建议，转运营部门评估；现行规定如实告知客户。",
            "Suggestion recorded and passed to operations; the current rules explained to the customer.",
        ),
        (
            "您的建议已提交管理层，我们会在下季度评估后告知结果。谢谢您的建议！",
            "Your suggestion has gone to management and we will tell you the outcome after next quarter's "
            "review. Thank you!",
        ),
        "department",
        "customer_service",
        "objective",
        ("apology", ("说明现行规定并记录建议", "Explain the current rules and log the suggestion")),
        (
            "运营主管：同类建议已有多条，会纳入下季度评估。",
            "Operations: several members have asked the same; it will be reviewed next quarter.",
        ),
    ),
}

# Paid remedies: (kind, description) per amount tier; {amount} is filled in.
PAID_REMEDIES: dict[str, tuple[tuple[str, Pair], ...]] = {
    "small": (
        ("voucher", ("赠送{amount}元消费券", "A ¥{amount} voucher")),
        (
            "free_service",
            ("赠送私教体验课一节（价值{amount}元）", "A free PT session (worth ¥{amount})"),
        ),
        (
            "membership_extension",
            ("会籍免费延长7天（折合{amount}元）", "7 extra days of membership (worth ¥{amount})"),
        ),
    ),
    "mid": (
        ("refund", ("退还{amount}元", "A refund of ¥{amount}")),
        ("voucher", ("补偿{amount}元储值", "¥{amount} credited to the member account")),
        (
            "free_service",
            ("赠送私教课三节（价值{amount}元）", "Three free PT sessions (worth ¥{amount})"),
        ),
    ),
    "high": (("refund", ("退还{amount}元", "A refund of ¥{amount}")),),
}
HOTEL_REMEDIES: dict[str, tuple[tuple[str, Pair], ...]] = {
    "small": (
        (
            "free_service",
            ("赠送双人早餐（价值{amount}元）", "Breakfast for two on us (worth ¥{amount})"),
        ),
    ),
    "mid": (
        ("refund", ("减免房费{amount}元", "¥{amount} off the room bill")),
        (
            "room_change",
            ("免费升级套房（差价{amount}元）", "A free suite upgrade (worth ¥{amount})"),
        ),
    ),
    "high": (("refund", ("退还全部房费{amount}元", "A full refund of the stay, ¥{amount}")),),
}
APOLOGY: Pair = ("当面致歉", "A personal apology")

EXECUTED: dict[str, Pair] = {
    "refund": (
        "款项已原路退回，客户已收到。",
        "Refund made to the original payment method; the customer confirmed receipt.",
    ),
    "voucher": ("消费券已发放到会员账户。", "Voucher issued to the member account."),
    "free_service": (
        "已为客户安排，客户已确认时间。",
        "Arranged; the customer confirmed the time.",
    ),
    "membership_extension": ("会籍到期日已顺延。", "Membership end date moved."),
    "repair": ("已完成维修并测试，恢复使用。", "Repaired, tested and back in use."),
    "class_adjustment": ("已为客户补约课程。", "Make-up class booked for the customer."),
    "room_change": ("已为客人办理升级。", "Upgrade arranged for the guest."),
    "apology": ("已当面致歉，客户接受。", "Apologised in person; the customer accepted."),
    "other": ("已按方案办理。", "Done as agreed."),
}

CALL_NOTES: tuple[Pair, ...] = (
    (
        "已致电客户，说明正在调查，预计明天给出处理方案。客户表示理解。",
        "Called the customer: investigation under way, a proposal expected tomorrow. Customer understands.",
    ),
    (
        "客户来电询问进度，已告知调查进展。",
        "Customer called for an update; told where the investigation stands.",
    ),
    (
        "已与客户核对事发时间和地点，补充了细节。",
        "Went through the time and place with the customer and added details.",
    ),
    (
        "客户情绪较激动，已耐心倾听并安抚，承诺24小时内回复。",
        "Customer was upset; listened, calmed things down and promised an answer within 24 hours.",
    ),
)
ESCALATE_REASONS: tuple[Pair, ...] = (
    (
        "客户表示若今天不解决将向12315投诉。",
        "Customer says they will go to the consumer association today.",
    ),
    (
        "客户威胁在点评网站和抖音曝光，需经理介入。",
        "Customer threatens to post on review sites; the manager should step in.",
    ),
)
EXTEND_REASONS: tuple[Pair, ...] = (
    (
        "需等待厂家配件到货，预计三天后完成维修。",
        "Waiting for a spare part from the manufacturer, about three days.",
    ),
    (
        "需调取多日监控并约谈相关人员，需要更多时间核实。",
        "Several days of CCTV to review and staff to interview; more time needed.",
    ),
    (
        "需财务与银行核对交易流水，银行回复需两个工作日。",
        "Finance must check the transactions with the bank, which takes two working days.",
    ),
)
REJECT_COMMENTS: tuple[str, ...] = (
    "金额超出本类投诉的补偿标准，请按最低合理补偿原则调整。",
    "先核实扣款记录再提方案；建议改为等值消费券。",
    "补偿过高，建议改为赠送课程。",
)
APPROVE_COMMENTS: tuple[str, ...] = ("同意。", "同意，尽快办理。", "同意，注意回访。", "")
CONSENT_REFUSALS: tuple[Pair, ...] = (
    ("客户认为补偿不足，要求全额退款。", "Customer finds it too little and wants a full refund."),
    ("客户不接受消费券，要求退现金。", "Customer will not take a voucher and wants cash."),
)
REVISIT_GOOD: tuple[Pair, ...] = (
    ("客户表示满意，问题已解决。", "Customer is satisfied; the problem is solved."),
    (
        "客户对处理结果满意，感谢跟进。",
        "Customer happy with the outcome and thanked us for following up.",
    ),
    ("客户表示认可，建议继续改进。", "Customer accepts the outcome and hopes we keep improving."),
)
REVISIT_BAD: tuple[Pair, ...] = (
    ("客户表示问题再次出现，仍不满意。", "Customer says the problem is back and is still unhappy."),
    (
        "客户认为处理不到位，要求重新处理。",
        "Customer feels it was not properly handled and wants it reopened.",
    ),
)
REVISIT_MISSED: Pair = (
    "电话未接通，已发短信预约回访时间。",
    "No answer; sent a text to arrange a time.",
)
REOPEN_AFTER_SURVEY: Pair = (
    "客户在满意度调查中表示问题未解决，重新处理。",
    "In the satisfaction survey the customer says the problem is not solved; reopened.",
)
REOPEN_AFTER_REVISIT: Pair = (
    "回访中客户表示仍不满意，重新调查。",
    "Customer still unhappy at the revisit; investigating again.",
)
SECOND_LOOK: Pair = (
    "复查：首次处理后问题再次出现，已更换部件/调整安排并持续跟进。",
    "Second look: the problem came back after the first fix; part replaced / arrangements changed.",
)
DECLINE_REASONS: tuple[Pair, ...] = (
    (
        "经调查投诉内容与监控不符，客户以曝光相威胁索要明显不合理的高额赔偿，按恶意投诉处理。",
        "The CCTV contradicts the complaint and the customer demands an unreasonable sum under threat of "
        "publicity; declined as malicious.",
    ),
    (
        "客户一年内多次就同一事项以辱骂和威胁方式投诉，诉求已超出合理范围，按恶意投诉处理。",
        "Repeated abusive complaints about the same matter, demands far beyond what is reasonable; declined.",
    ),
)
MERGE_REASON: Pair = (
    "同一客户就同一事项通过不同渠道重复投诉，合并处理。",
    "Same customer, same matter, through another channel: merged.",
)
DUPLICATE: Pair = (
    "（再次反映）我之前已经反映过了，到现在还没有结果：{text}",
    "(Again) I already reported this and have heard nothing: {text}",
)
CONSEQUENCES: tuple[tuple[str, str], ...] = (
    ("training", "安排服务规范培训并考核。"),
    ("coaching", "主管一对一面谈，明确服务要求。"),
    ("warning", "书面警告一次，计入季度考核。"),
)
EVIDENCE: tuple[Pair, ...] = (
    ("客户提供的现场照片", "Photo from the customer"),
    ("现场照片", "Photo taken on site"),
    ("付款截图", "Payment screenshot"),
)
SURVEY_COMMENTS: dict[int, tuple[Pair, ...]] = {
    5: (
        ("处理很及时，态度很好，谢谢！", "Quick and friendly, thank you!"),
        ("非常满意，客服一直跟进。", "Very happy, the team kept me informed."),
        ("", ""),
    ),
    4: (
        ("总体满意，希望以后不要再出现。", "Mostly satisfied; hope it does not happen again."),
        ("", ""),
    ),
    3: (("解决了，但是时间有点长。", "Solved, but it took a while."),),
    2: (("补偿太少，处理也慢。", "Too little, too slow."),),
    1: (("问题根本没解决，很失望。", "The problem is not solved at all. Very disappointed."),),
}
