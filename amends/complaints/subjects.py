"""What a complaint is about, as one comparable key — the staff member, else the department,
else the subject as told, else the place (trimmed, lower case): `staff:12`, `department:3`,
`text:跑步机`, `place:3号跑步机`. Recurring problems are the same venue, category and key; an
improvement action raised from one keeps the key, so its effect counts exactly those
complaints. One definition, in the database (a CASE expression), for every reader."""

from __future__ import annotations

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, Lower, Trim

from amends.complaints.models import Complaint

KINDS = ("staff", "department", "text", "place")


def subject_key() -> Case:
    return Case(
        When(
            subject_staff__isnull=False,
            then=Concat(Value("staff:"), Cast("subject_staff_id", CharField())),
        ),
        When(
            subject_department__isnull=False,
            then=Concat(Value("department:"), Cast("subject_department_id", CharField())),
        ),
        When(~Q(subject_text=""), then=Concat(Value("text:"), Lower(Trim("subject_text")))),
        When(~Q(location=""), then=Concat(Value("place:"), Lower(Trim("location")))),
        default=Value(""),
        output_field=CharField(),
    )


def is_key(text: str) -> bool:
    """Whether `text` has the shape of a subject key."""
    kind, _, rest = text.partition(":")
    if kind not in KINDS or not rest:
        return False
    return rest.isascii() and rest.isdigit() if kind in ("staff", "department") else True


def about(complaints: QuerySet[Complaint], key: str) -> QuerySet[Complaint]:
    """The complaints of `complaints` whose subject key is `key`."""
    return complaints.annotate(subject_key=subject_key()).filter(subject_key=key)
