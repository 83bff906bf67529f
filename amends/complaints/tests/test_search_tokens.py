"""The keyword index: what a complaint is found by (`search.complaint_tokens`), kept by every save,
never a phone number or an email in clear; the same words found the same way on SQLite (FTS5)
and PostgreSQL (GIN), open and closed complaints alike."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from amends.complaints import search, selectors, services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock

S = State


def tokens_of(**fields: str) -> list[str]:
    complaint = SimpleNamespace(reference=fields.pop("reference", "GYM1-20261120-0007"), **fields)
    return search.complaint_tokens(complaint).split()


# --- the tokens -----------------------------------------------------------------------------------


def test_it_cuts_chinese_into_characters_and_pairs_and_english_into_words() -> None:
    tokens = tokens_of(description="跑步机坏了 The Treadmill stopped", location="2楼")
    for token in ("跑", "步", "机", "跑步", "步机", "机坏", "坏了", "the", "treadmill", "2", "楼"):
        assert token in tokens, token
    assert "跑步机" not in tokens  # three characters are found by their pairs
    assert "Treadmill" not in tokens  # lower-cased
    assert tokens[:3] == ["gym1", "20261120", "0007"]  # the reference, in its parts
    assert len(tokens) == len(set(tokens))


def test_full_width_letters_and_digits_are_the_half_width_ones() -> None:
    assert tokens_of(reference="", description="ＡＢＣ１２３号") == ["abc123", "号"]
    assert search.query_tokens("ＡＢＣ１２３") == ["abc123"]


def test_it_never_keeps_a_phone_an_id_card_or_an_email_in_clear() -> None:
    tokens = tokens_of(
        description="电话13800138000，身份证110101199003074514，邮件 li.wei@example.com",
        people_involved="教练 138-0013-8000",
        customer_request="打 +86 139 1234 5678 找我",
    )
    joined = " ".join(tokens)
    for secret in ("13800138000", "138", "0013", "8000", "13912345678", "1391234"):
        assert secret not in tokens, secret
    for secret in ("110101199003074514", "li", "wei", "example", "com"):
        assert secret not in tokens, secret
    assert "电话" in tokens and "身份" in tokens and "教练" in tokens  # the words stay
    assert "5678" not in joined


def test_a_query_is_every_character_pair_of_its_chinese_and_every_word() -> None:
    assert search.query_tokens("跑") == ["跑"]
    assert search.query_tokens("跑步") == ["跑步"]
    assert search.query_tokens("跑步机") == ["跑步", "步机"]
    assert search.query_tokens("跑步机 2楼") == ["跑步", "步机", "2", "楼"]
    assert search.query_tokens("COACH, shouted!") == ["coach", "shouted"]
    assert search.query_tokens("13800138000") == []  # a phone is never a keyword
    assert search.tsquery(["跑步", "tread", "2"]) == "'跑步' & 'tread':* & '2'"
    assert search.fts5_match(["跑步", "tread", "2"]) == '"跑步" AND "tread"* AND "2"'


# --- kept by every save -------------------------------------------------------------------------


def test_intake_and_every_text_change_keep_the_tokens(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = drive(cast, S.INVESTIGATING, description="淋浴没有热水", location="男更衣室")
        stored = Complaint.objects.get(pk=c.pk).search_tokens.split()
        assert {"淋浴", "热水", "更衣", c.reference.split("-")[1]} <= set(stored)
        assert "13912345678" not in " ".join(stored)  # the customer's phone, given at intake
        services.complaint_record_investigation(
            complaint=c, actor=cast.specialist, report="热水器温控坏了，已报修"
        )
    stored = Complaint.objects.get(pk=c.pk).search_tokens.split()
    assert "温控" in stored and "报修" in stored and "淋浴" in stored


# --- the index, on each database ----------------------------------------------------------------


@pytest.fixture
def story(cast: Cast) -> dict[str, Complaint]:
    """Five complaints at the gym, received by the front desk on 20 November: two closed, whose
    investigation report says "教练确实迟到"."""
    with clock.travel(local(2026, 11, 20, 9, 0)):
        return {
            "treadmill": drive(cast, S.CLOSED, description="二楼跑步机皮带打滑", location="2楼"),
            "run": cast.receive(description="跑步的时候鞋带断了", location="1楼"),
            "coach": cast.receive(description="私教课教练迟到半小时", location="3楼"),
            "english": cast.receive(
                description="The treadmill belt slipped, coach ignored me", language="en"
            ),
            "shower": drive(cast, S.CLOSED, description="淋浴没有热水，教练也不管"),
        }


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("跑", {"treadmill", "run"}),  # one character
        ("教练", {"coach", "shower", "treadmill"}),  # two: a pair (in a report, too)
        ("热水", {"shower"}),  # in a closed complaint
        ("跑步机", {"treadmill"}),  # three or more: all its pairs
        ("跑步机 2楼", {"treadmill"}),  # mixed, every word must be there
        ("跑步 1楼", {"run"}),
        ("TREADMILL", {"english"}),  # English, any case
        ("tread", {"english"}),  # a prefix from three letters
        ("coach ignored", {"english"}),
        ("教练 热水", {"shower"}),  # a closed complaint is found too
        ("鞋带 tread", set()),
        ("健身房", set()),
    ],
)
def test_the_same_words_find_the_same_complaints_on_either_database(
    cast: Cast, story: dict[str, Complaint], words: str, expected: set[str]
) -> None:
    found = set(
        selectors.search_for_actor(actor=cast.manager, text=words).values_list("pk", flat=True)
    )
    assert found == {story[name].pk for name in expected}


def search_pks(cast: Cast, words: str) -> set[int]:
    return set(
        selectors.search_for_actor(actor=cast.manager, text=words).values_list("pk", flat=True)
    )


def test_the_index_follows_every_insert_change_and_delete(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING, description="跑步的时候鞋带断了")
        assert search_pks(cast, "鞋带") == {story["run"].pk, c.pk}  # a new complaint
        services.complaint_record_investigation(
            complaint=c, actor=cast.specialist, report="鞋柜门夹到手"
        )
    assert search_pks(cast, "鞋柜门") == {c.pk}  # a changed text: the new words
    assert search_pks(cast, "鞋带") == {story["run"].pk, c.pk}  # and the old ones still
    with transaction.atomic():  # rolled back below: other rows still point at the complaint
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM complaints_complaint WHERE id = %s", [story["coach"].pk])
        assert search_pks(cast, "私教课") == set()
        if connection.vendor == "sqlite":
            # FTS5's own check: the index holds exactly the tokens of the complaints table.
            with connection.cursor() as cursor:
                table = search.FTS_TABLE
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_sqlite_keeps_the_fts_table_in_step_by_three_triggers(db: None) -> None:
    """A migration that rebuilds the complaints table on SQLite (AlterField does) drops its
    triggers: it must create them again, or this fails."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["complaints_complaint"],
        )
        triggers = {name for (name,) in cursor.fetchall()}
    assert {f"{search.FTS_TABLE}_{op}" for op in ("insert", "update", "delete")} <= triggers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_postgresql_reads_the_gin_index(cast: Cast, story: dict[str, Complaint]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the choice
    found = Complaint.objects.filter(search.matches(search.query_tokens("跑步机 2楼")))
    plan = found.explain()
    assert "complaint_search_vector" in plan, plan
    assert list(found) == [story["treadmill"]]


def test_a_search_at_some_venues_names_them_in_the_query() -> None:
    assert search.tsquery(["跑步", "tread"]) == "'跑步' & 'tread':*"
    assert search.tsquery(["跑步"], venues=[3, 1]) == "'跑步' & ('@v1' | '@v3')"
    many = range(1, search.MAX_QUERY_VENUES + 2)
    assert search.tsquery(["跑步"], venues=many) == "'跑步'"  # the venue filter alone


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search vector")
def test_at_one_venue_the_index_leaves_the_other_venues_out(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    """The director searches at the gym: the GIN index is asked for the gym's lexeme with the
    words, so the treadmill at the second gym is not fetched; moved to the gym, it is found
    (the vector is PostgreSQL's own column and follows the venue)."""
    with clock.travel(local(2026, 11, 20, 9, 30)):
        elsewhere = cast.receive(
            actor=cast.outsider, venue=cast.gym2, description="跑步机皮带也打滑了"
        )

    def found(venue_id: int | None) -> set[int]:
        rows = selectors.search_for_actor(actor=cast.director, text="跑步机", venue_id=venue_id)
        return set(rows.values_list("pk", flat=True))

    assert found(cast.gym.pk) == {story["treadmill"].pk}
    assert found(None) == {story["treadmill"].pk, elsewhere.pk}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = selectors.search_for_actor(
        actor=cast.director, text="跑步机", venue_id=cast.gym.pk
    ).explain()
    assert f"'@v{cast.gym.pk}'" in plan, plan
    Complaint.objects.filter(pk=elsewhere.pk).update(venue=cast.gym)
    assert found(cast.gym.pk) == {story["treadmill"].pk, elsewhere.pk}


def test_across_venues_a_complaint_of_ones_own_elsewhere_is_still_found(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    """The gym's manager owns a complaint at the second gym: searching without a venue finds
    it, as the scope does (no venue is named in the query then)."""
    with clock.travel(local(2026, 11, 20, 9, 30)):
        elsewhere = cast.receive(
            actor=cast.outsider, venue=cast.gym2, description="跑步机皮带也打滑了"
        )
    Complaint.objects.filter(pk=elsewhere.pk).update(owner=cast.manager)
    assert search_pks(cast, "跑步机") == {story["treadmill"].pk, elsewhere.pk}
