"""Triage on texts it has never seen: what a receiver at the desk would type."""

import pytest

from amends.triage import language
from amends.triage.scripts import default_script, fill
from amends.triage.similarity import SAME_MATTER, similarity
from amends.triage.suggest import suggest


@pytest.mark.parametrize(
    "text",
    [
        "我在更衣室滑倒了，手腕肿了，想请你们看看地面。",
        "I slipped by the pool and my wrist is swollen; could someone check the tiles.",
        "健身房有很浓的煤气味，前台说没事，我很担心。",
        "My daughter vomited all night after the seafood buffet.",
    ],
)
def test_calm_descriptions_of_real_harm_are_urgent(text):
    s = suggest(text)
    assert s.severity.code == "urgent"
    assert s.urgent
    assert s.severity.reasons


@pytest.mark.parametrize(
    "text",
    [
        "跑步机皮带有点松，没有受伤，麻烦尽快修一下。",
        "The rowing machine seat wobbles. No one was hurt, but please fix it.",
        "排队排得累得要死，前台就一个人。",
    ],
)
def test_negated_harm_and_words_in_passing_are_not_urgent(text):
    assert suggest(text).severity.code != "urgent"


def test_the_category_comes_with_the_words_behind_it():
    s = suggest("私教课教练迟到了四十分钟，一直在推销蛋白粉。")
    assert s.category.code == "coach_staff_conduct"
    assert 0 < s.category.confidence <= 1
    assert s.category.reasons


def test_personal_data_is_found_and_never_kept_in_the_record():
    s = suggest("退款打到 6222021234567890128，联系我 13812345678")
    assert {f.kind for f in s.pii} == {"bank_card", "phone"}
    record = s.as_record()
    assert record["pii"] == ["bank_card", "phone"]
    assert "13812345678" not in str(record) and "6222021234567890128" not in str(record)


def test_language():
    assert language.detect("淋浴没热水！") == "zh"
    assert language.detect("The shower has no hot water!") == "en"
    assert language.detect("WiFi 连不上，前台说 reboot 一下就好") == "zh"
    assert language.detect("The 前台 staff and the 经理 said the 跑步机 was fine") == "mixed"


def test_the_same_matter_told_twice_is_similar_and_another_is_not():
    desk = "3号跑步机皮带打滑，我差点摔倒"
    email = "你们3号跑步机的皮带一直打滑，今天差点摔倒，请尽快处理"
    other = "前台收银多收了我五十块钱"
    assert similarity(desk, email) >= SAME_MATTER
    assert similarity(desk, other) < SAME_MATTER


def test_a_reply_script_meets_the_psychology_and_the_matter():
    zh = default_script("facility_equipment", "compensation", "zh-hans")
    assert "补偿" in zh and "维修" in zh and "{reference}" in zh
    filled = fill(zh, name="王女士", venue="静安健身会所", reference="GYM1-20261201-0001")
    assert "GYM1-20261201-0001" in filled and "王女士" in filled
    assert "maintenance" in default_script("facility_equipment", "", "en").lower()


def test_personal_data_inside_a_rule_phrase_never_becomes_a_reason():
    s = suggest("The fire exit behind studio 2, ring me on 13812345678, was chained shut tonight")
    assert s.urgent
    assert "13812345678" not in str(s.as_record()) and "13812345678" not in str(s.severity)
    assert [f.kind for f in s.pii] == ["phone"]


def test_personal_data_does_not_trigger_a_rule():
    s = suggest("My email is injured.runner@example.com, the shower drain is slow")
    assert s.severity.code != "urgent"
    assert not any(sig.kind == "injury" for sig in s.signals)
