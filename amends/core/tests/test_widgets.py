"""`FastSelect` writes exactly the HTML Django's template-rendered `Select` writes."""

from __future__ import annotations

import re

from django import forms

from amends.core.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("general", "一般"),
    ("urgent", 'Urgent <b>& "quoted"</b>'),
    ("Rooms", [("101", "101 房"), ("102", "102")]),
    (3, "three"),
]


def both(value: object, attrs: dict[str, object] | None = None) -> tuple[str, str]:
    django = forms.Select(choices=CHOICES, attrs=attrs).render("severity", value)
    fast = FastSelect(choices=CHOICES, attrs=attrs).render("severity", value)
    # Whitespace between tags aside (the template's line breaks), the same HTML.
    return re.sub(r">\s+<", "><", str(fast)), re.sub(r">\s+<", "><", str(django))


def test_it_renders_what_the_template_renders() -> None:
    for value in (None, "", "urgent", "102", 3, "missing"):
        fast, django = both(value, attrs={"id": "id_severity", "required": True, "data-x": "a<b"})
        assert fast == django, value


def test_it_escapes_labels_and_marks_the_chosen_option() -> None:
    fast, _django = both("urgent")
    assert 'value="urgent" selected>Urgent &lt;b&gt;&amp; &quot;quoted&quot;&lt;/b&gt;' in fast
    assert fast.count(" selected") == 1
    assert '<optgroup label="Rooms">' in fast
