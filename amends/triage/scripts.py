"""The suggested reply (话术): what the person answering says first, for a category and a
complainant psychology (SPEC §6, after the hotel and club manuals in `seeds/`). A script is an
opening that meets the psychology, a body about the matter, and a closing that tells the next
step. Companies replace any of them with their own (`workflow.ReplyScript`); these are the
defaults. Placeholders: {name} (how to address the customer), {venue}, {reference}."""

from __future__ import annotations

ZH = "zh-hans"
EN = "en"

OPENING: dict[str, dict[str, str]] = {
    "vent": {
        ZH: "{name}您好，非常抱歉让您遇到这样的事，您先别着急，慢慢说，我都认真记下来。",
        EN: "Hello {name}, I'm very sorry this happened. Please take your time and tell me "
        "everything; I'm writing it all down.",
    },
    "respect": {
        ZH: "{name}您好，非常抱歉，这件事是我们做得不好，感谢您专门告诉我们，我们一定认真对待。",
        EN: "Hello {name}, I'm sorry: we got this wrong, and thank you for taking the time to "
        "tell us. We take it seriously.",
    },
    "compensation": {
        ZH: "{name}您好，非常抱歉给您带来了损失，我们理解您的心情，会按照公司的补偿标准尽快给您一个合理的方案。",
        EN: "Hello {name}, I'm sorry for the loss this caused you. We understand, and we will "
        "offer you a fair remedy under our compensation standards as soon as we can.",
    },
    "evade_responsibility": {
        ZH: "{name}您好，感谢您告诉我们当时的情况，为了对您负责，我们会先核实监控和记录，再和您一起确认责任。",
        EN: "Hello {name}, thank you for telling us what happened. To be fair to you, we will "
        "first check the camera footage and our records, then agree with you who is "
        "responsible.",
    },
    "hostile": {
        ZH: "{name}您好，您的意见我们非常重视，已经由负责人亲自跟进，处理的每一步我们都会如实告诉您。",
        EN: "Hello {name}, we take your complaint very seriously. A manager is following it "
        "personally, and we will tell you honestly about every step.",
    },
    "mixed": {
        ZH: "{name}您好，非常抱歉让您不愉快，我理解您的心情，我们一定给您一个满意的答复。",
        EN: "Hello {name}, I'm sorry for the trouble. I understand how you feel, and we will "
        "come back to you with an answer you can accept.",
    },
}

BODY: dict[str, dict[str, str]] = {
    "service_attitude": {
        ZH: "员工的态度不该是这样，我们会和当事员工核实情况并进行培训，处理结果会告诉您。",
        EN: "That is not how our staff should treat you. We will talk to the person involved, "
        "retrain them and tell you what we did.",
    },
    "service_quality": {
        ZH: "这次的服务没有达到我们承诺的标准，我们会查清是哪个环节出了问题并马上改正。",
        EN: "This service fell short of what we promise. We will find where it went wrong and "
        "put it right.",
    },
    "facility_equipment": {
        ZH: "我们已经通知维修部门，设备在修好之前会停用并挂上提示牌，确保不会再影响您和其他会员。",
        EN: "Maintenance has been told; the equipment stays out of use with a notice on it "
        "until it is repaired, so it cannot affect you or anyone else again.",
    },
    "hygiene_environment": {
        ZH: "我们马上安排保洁处理，并检查清洁记录，避免同样的问题再出现。",
        EN: "We are sending the cleaning team now and checking the cleaning records so that it "
        "does not happen again.",
    },
    "class_schedule": {
        ZH: "课程安排给您带来不便，我们会请课程主管核实，并为您优先安排补课或调整。",
        EN: "We're sorry the class timetable let you down. The course supervisor will look "
        "into it and offer you a make-up or another class first.",
    },
    "coach_staff_conduct": {
        ZH: "您反映的情况我们会由管理人员单独调查，当事人不会参与处理，调查结果会告诉您。",
        EN: "A manager will investigate what you describe; the person concerned will not handle "
        "your case. We will tell you the outcome.",
    },
    "billing_price": {
        ZH: "我们会马上核对您的消费记录和收费明细，如果多收了，会尽快原路退还。",
        EN: "We will check your bill and payment records now; anything charged wrongly will be "
        "refunded to the way you paid.",
    },
    "membership_contract": {
        ZH: "我们会调出您的会员合同和办理记录逐条核对，再给您一个清楚的答复。",
        EN: "We will go through your membership contract and records point by point and give "
        "you a clear answer.",
    },
    "product_quality": {
        ZH: "请您保留好商品和小票，我们会先下架同批次商品并核实，按规定给您退换或赔偿。",
        EN: "Please keep the product and the receipt. We are taking the same batch off sale to "
        "check it, and will replace, refund or compensate as our rules provide.",
    },
    "safety_security": {
        ZH: "您的安全是第一位的，安保人员已经到场处理，我们会调取监控并消除隐患。",
        EN: "Your safety comes first. Security is on it now; we will review the cameras and "
        "remove the hazard.",
    },
    "privacy_data": {
        ZH: "个人信息的事我们非常重视，会立即查明信息是怎么被使用的，并停止任何不当联系。",
        EN: "We take personal data very seriously. We will find out at once how your details "
        "were used and stop any unwanted contact.",
    },
    "noise": {
        ZH: "我们马上去现场处理噪音，并安排人员持续关注。",
        EN: "We are dealing with the noise on the spot and will keep an eye on it.",
    },
    "lost_property": {
        ZH: "我们会马上查找失物招领记录和监控，请您描述一下物品的样子，有消息第一时间通知您。",
        EN: "We will search the lost-and-found and the cameras now. Please describe the item; "
        "we will call you as soon as we know more.",
    },
    "booking_reservation": {
        ZH: "我们会核对您的预订记录，尽量为您保留或重新安排，给您添麻烦了。",
        EN: "We will check your booking and hold or rebook it for you where we can. Sorry for "
        "the trouble.",
    },
    "other": {
        ZH: "您的意见我们已经记录，会转给负责的同事跟进。",
        EN: "We have recorded your feedback and passed it to the colleague responsible.",
    },
}

CLOSING: dict[str, str] = {
    ZH: "您的投诉编号是 {reference}，我们会在承诺的时间内给您回复。感谢您对{venue}的信任。",
    EN: "Your reference is {reference}; we will reply within the time we promised. Thank you "
    "for your trust in {venue}.",
}


def default_script(category: str, psychology: str, language: str) -> str:
    """The default script for a category and a psychology (blank or unknown: the general one),
    in `language` ("zh-hans" or "en")."""
    lang = EN if language == EN else ZH
    opening = OPENING.get(psychology or "mixed", OPENING["mixed"])[lang]
    body = BODY.get(category or "other", BODY["other"])[lang]
    return f"{opening}{'' if lang == ZH else ' '}{body}{'' if lang == ZH else ' '}{CLOSING[lang]}"


def fill(script: str, *, name: str, venue: str, reference: str) -> str:
    """A script with its placeholders filled (unknown placeholders are left as written)."""
    out = script
    for key, value in (("{name}", name), ("{venue}", venue), ("{reference}", reference)):
        out = out.replace(key, value)
    return out
