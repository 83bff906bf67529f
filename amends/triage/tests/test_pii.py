"""Personal data in free text is found by checks, not by shape: a number that only looks like an
ID card or a bank card is left alone."""

from amends.triage import pii


def test_a_member_leaves_her_mobile_in_three_spellings():
    text = "请打我电话13812345678，或者 139-1234-5678，实在不行打+86 137 1234 5678"
    found = pii.find(text)
    assert [f.kind for f in found] == ["phone", "phone", "phone"]
    assert [f.value for f in found] == ["13812345678", "139-1234-5678", "+86 137 1234 5678"]


def test_an_id_card_number_counts_only_with_its_check_digit():
    good = "11010519491231002X"  # the check digit of the national standard's own example
    assert pii.id_card_valid(good)
    wrong = good[:-1] + "3"
    assert not pii.id_card_valid(wrong)
    assert [f.kind for f in pii.find(f"身份证号{good}，订单号{wrong[:-1]}7")] == ["id_card"]


def test_an_id_card_with_an_impossible_birth_date_is_not_one():
    # Right shape, but born on 1990-02-30: whatever its last digit, not an ID card.
    assert not any(pii.id_card_valid(f"11010119900230123{c}") for c in "0123456789X")


def test_a_bank_card_needs_its_luhn_digit():
    card = "6222021234567890128"  # 19 digits, Luhn valid
    assert pii.luhn_valid(card)
    assert not pii.luhn_valid(card[:-1] + "9")
    text = f"退款请打到我的卡 {card}，不是发票号 6222021234567890129"
    assert [(f.kind, f.value) for f in pii.find(text)] == [("bank_card", card)]


def test_a_card_grouped_in_fours_is_found_and_masked_to_its_last_four():
    text = "Refund to card 4111 1111 1111 1111 please."
    (found,) = pii.find(text)
    assert found.kind == "bank_card"
    assert pii.mask(text) == "Refund to card **** **** **** 1111 please."


def test_landlines_and_emails():
    text = "办公室电话010-88886666，或（021）62345678；邮箱 li.na@example.com.cn"
    assert [f.kind for f in pii.find(text)] == ["landline", "landline", "email"]
    assert "li.na@" not in pii.mask(text) and "l***@example.com.cn" in pii.mask(text)


def test_room_numbers_times_amounts_and_order_numbers_are_not_personal_data():
    text = "2024年11月3日 21:30 在 1808 房，订单号 20241103123456789，多收了 ¥1,280.00"
    assert pii.find(text) == []
    assert pii.mask(text) == text


def test_masking_keeps_enough_to_recognise():
    text = "手机13812345678 身份证11010519491231002X"
    assert pii.mask(text) == "手机138****5678 身份证110***********002X"


def test_a_privacy_request_finds_a_phone_however_it_was_written():
    text = "会员说联系电话是 138 1234 5678，晚上打"
    assert pii.contains(text, "13812345678")
    assert pii.contains(text, "+86 138-1234-5678")
    assert not pii.contains(text, "13812345679")
    assert pii.contains("mail me at LI.NA@Example.com", "li.na@example.com")
    assert pii.contains("身份证 11010519491231002x 丢了", "11010519491231002X")
