"""After closure the customer answers the satisfaction survey once, within 30 days of the
invitation; a second visit thanks them, a late one says the survey has closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock

NOW = local(2026, 11, 20, 10, 0)


@pytest.fixture
def survey(cast: Cast) -> Survey:
    with clock.travel(NOW):
        complaint: Complaint = drive(cast, State.CLOSED)
    return Survey.objects.get(complaint=complaint)


def url(survey: Survey) -> str:
    return reverse("public:survey", args=[survey.token])


def test_it_asks_and_records_the_answer_once(client: Client, survey: Survey) -> None:
    with clock.travel(NOW + timedelta(days=2)):
        page = client.get(url(survey) + "?lang=en")
        assert page.status_code == 200
        assert 'id="form-survey"' in page.content.decode()
        assert page["Referrer-Policy"] == "same-origin"

        answered = client.post(url(survey), {"satisfaction": "4", "nps": "9", "comment": "很好"})

        assert answered.status_code == 302 and answered["Location"] == url(survey)
        thanks = client.get(url(survey))
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.nps, survey.comment) == (4, 9, "很好")
    assert 'id="survey-done"' in thanks.content.decode()
    assert "Thank you for your answer." in thanks.content.decode()


def test_a_second_answer_is_refused_with_thanks(client: Client, survey: Survey) -> None:
    with clock.travel(NOW + timedelta(days=2)):
        client.post(url(survey), {"satisfaction": "4", "nps": "9"})

        again = client.post(url(survey), {"satisfaction": "1", "nps": "0"})
        page = Client().get(url(survey))

    survey.refresh_from_db()
    assert (survey.satisfaction, survey.nps) == (4, 9)
    assert again.status_code == 200
    assert 'id="survey-done"' in again.content.decode()
    assert 'id="survey-done"' in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"nps": "9"}, "satisfaction"),
        ({"satisfaction": "6", "nps": "9"}, "satisfaction"),
        ({"satisfaction": "3"}, "nps"),
        ({"satisfaction": "3", "nps": "11"}, "nps"),
    ],
)
def test_a_missing_or_wrong_score_comes_back(
    client: Client, survey: Survey, data: dict[str, str], field: str
) -> None:
    with clock.travel(NOW + timedelta(days=2)):
        response = client.post(url(survey), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_the_link_closes_30_days_after_the_invitation(client: Client, survey: Survey) -> None:
    with clock.travel(survey.invited_at + timedelta(days=30)):
        assert client.get(url(survey)).status_code == 200
    with clock.travel(survey.invited_at + timedelta(days=30, minutes=1)):
        late = client.get(url(survey))
        posted = client.post(url(survey), {"satisfaction": "5", "nps": "10"})

    assert late.status_code == posted.status_code == 410
    assert 'id="survey-expired"' in late.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_unknown_survey_is_404(client: Client, cast: Cast) -> None:
    assert client.get(reverse("public:survey", args=["nope"])).status_code == 404


def test_the_tracking_page_points_to_an_open_survey(client: Client, survey: Survey) -> None:
    from amends.complaints.services import customer_link_token

    complaint = survey.complaint
    link = reverse("public:track", args=[complaint.reference, customer_link_token(complaint)])
    with clock.travel(NOW + timedelta(days=2)):
        assert url(survey) in client.get(link).content.decode()
        client.post(url(survey), {"satisfaction": "5", "nps": "10"})
        assert url(survey) not in client.get(link).content.decode()
