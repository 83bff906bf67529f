"""Every control of the console has a label a screen reader can read, and buttons have text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.label_depth = 0
        self.buttons: list[str] = []
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if a.get("type") in ("hidden", "submit"):
                return
            self.controls.append({**a, "_tag": tag, "_wrapped": "1" if self.label_depth else ""})
        elif tag == "button":
            self._button = [a.get("aria-label", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1
        elif tag == "button" and self._button is not None:
            self.buttons.append("".join(self._button).strip())
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    missing = [
        f"{c['_tag']} name={c.get('name')}"
        for c in parser.controls
        if not (c.get("id") in parser.labels or c.get("aria-label") or c["_wrapped"])
    ]
    missing += ["button without text" for b in parser.buttons if not b]
    return missing


@pytest.mark.parametrize(
    "state",
    [
        S
        for S in (
            State.ASSIGNED,
            State.INVESTIGATING,
            State.APPROVAL_PENDING,
            State.APPROVED,
            State.FEEDBACK_GIVEN,
            State.CLOSED,
        )
    ],
)
def test_every_control_of_a_complaint_page_is_labelled(
    client: Client, cast: Cast, state: State
) -> None:
    c = drive(cast, state)
    client.force_login(cast.manager)
    html = client.get(reverse("console:complaint", args=[c.reference])).content.decode()
    assert unlabelled(html) == []


def test_every_control_of_the_other_pages_is_labelled(client: Client, cast: Cast) -> None:
    drive(cast, State.FEEDBACK_GIVEN)
    client.force_login(cast.director)
    for url in [
        reverse("console:dashboard"),
        reverse("console:intake"),
        reverse("console:queue", args=["team"]),
        reverse("console:approvals"),
        reverse("console:revisits"),
    ]:
        html = client.get(url).content.decode()
        assert unlabelled(html) == [], url
    client.logout()
    assert unlabelled(client.get(reverse("console:login")).content.decode()) == []


def test_the_checker_itself_catches_an_unlabelled_control() -> None:
    assert unlabelled('<input name="x"><button></button>') == [
        "input name=x",
        "button without text",
    ]
    assert (
        unlabelled(
            '<label for="a">A</label><input id="a"><label>B <select name="b"></select></label>'
        )
        == []
    )
