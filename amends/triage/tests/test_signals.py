"""The rules read a safety word with its clause: said, denied, nearly happened, or in passing."""

from decimal import Decimal

import pytest

from amends.triage import signals


def kinds(text, *, negated=False):
    return sorted({s.kind for s in signals.find(text) if s.negated == negated})


@pytest.mark.parametrize(
    "text",
    [
        "跑步机皮带突然打滑，我摔倒了膝盖流血，前台说没办法。",
        "孩子手指被柜门夹了，肿了，想问问怎么处理",
        "I twisted my ankle on the loose step by the pool; it is swollen.",
        "My son cut his hand on the broken tile in the shower.",
    ],
)
def test_a_real_injury_told_calmly_is_a_signal(text):
    assert signals.INJURY in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "地上全是水，还好没有人受伤，但是一直没人拖。",
        "差点滑倒，幸好扶住了栏杆。",
        "Luckily no one was hurt, but the mat is torn.",
        "Nobody got injured, thankfully.",
        "I almost fell off the treadmill when the belt jumped.",
    ],
)
def test_harm_that_did_not_happen_is_negated(text):
    assert signals.INJURY not in kinds(text)
    assert signals.INJURY in kinds(text, negated=True)


@pytest.mark.parametrize(
    "text",
    [
        "排队排得累得要死",
        "The queue was killing me.",
        "价格贵得要命，服务也一般",
        "I'm dying for a hot shower.",
    ],
)
def test_a_safety_word_in_passing_is_no_signal(text):
    assert not set(kinds(text)) & set(signals.URGENT_KINDS)


def test_a_threat_carried_out_is_now_and_a_conditional_one_is_later():
    assert signals.THREAT_NOW in kinds("我已经发了微博，还打了12315。")
    assert signals.THREAT_NOW in kinds("I have already posted the video on Weibo.")
    later = "如果周五前不退款，我就去12315投诉。"
    assert signals.THREAT_LATER in kinds(later)
    assert signals.THREAT_NOW not in kinds(later)
    assert signals.THREAT_LATER in kinds("If this isn't fixed by Friday I'll go to the press.")


def test_repeats_and_humiliation():
    assert signals.REPEAT in kinds("这已经是第三次投诉淋浴没热水了")
    assert signals.REPEAT in kinds("This is the third time the lift has broken down.")
    assert signals.HUMILIATION in kinds("教练当众嘲笑我的体重")


def test_money_in_yuan_and_dollars():
    found = signals.amounts("多收了¥1,280.50和三千元，还有2万块押金")
    assert sorted(found) == [Decimal("1280.50"), Decimal("3000"), Decimal("20000")]
    assert signals.amounts("charged $45 twice") == [Decimal("315")]
