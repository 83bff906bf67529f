"""Forms of the console's member-care pages. They parse and check what was typed; each write is
one call of an `amends.care` service in the view, so every rule lives in one place.

Every text has a length limit; a form that edits carries the `version` it was based on."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from amends.care.models import CampaignCall, CareRule, PointsMovement, RevisitCampaign
from amends.care.services_campaigns import MAX_DUE_DAYS
from amends.members.models import Member
from amends.orgs.models import User, Venue

MAX_POINTS = 1_000_000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        kwargs.setdefault("error_messages", {"required": _("Reload the page and try again.")})
        super().__init__(**kwargs)


# --- members --------------------------------------------------------------------------------


class MemberFilterForm(forms.Form):
    """The manager's list of a venue's members: by specialist, status, expiring soon, number."""

    q = forms.CharField(label=_("Membership number"), max_length=40, required=False)
    specialist = forms.TypedChoiceField(
        label=_("Specialist"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Member.Status.choices]
    )
    expiring = forms.BooleanField(label=_("Expiring within 30 days"), required=False)

    def __init__(self, *args: Any, specialists: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialist"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("0", _("Nobody yet")),
            *((str(u.pk), u.name_in()) for u in specialists),
        ]


class MemberForm(forms.Form):
    """A member's membership and care details (the customer's name and phone are not edited
    here: they belong to the customer record)."""

    plan = forms.CharField(label=_("Membership plan"), max_length=80, required=False)
    level = forms.CharField(label=_("Membership level"), max_length=40, required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=Member.Status.choices)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DateInput())
    sessions_left = forms.IntegerField(
        label=_("Sessions left"), required=False, min_value=0, max_value=100_000
    )
    quiet_from = forms.TimeField(label=_("Do not disturb from"), required=False, widget=TimeInput())
    quiet_to = forms.TimeField(label=_("Do not disturb until"), required=False, widget=TimeInput())
    opt_outs = forms.MultipleChoiceField(
        label=_("Channels opted out of"),
        choices=CareRule.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = VersionField()

    @classmethod
    def of(cls, member: Member) -> MemberForm:
        birthday: date | None = None
        if member.birthday:
            try:
                birthday = date.fromisoformat(member.birthday)
            except ValueError:
                birthday = None
        return cls(
            initial={
                "plan": member.plan,
                "level": member.level,
                "starts_on": member.starts_on,
                "expires_on": member.expires_on,
                "status": member.status,
                "birthday": birthday,
                "sessions_left": member.sessions_left,
                "quiet_from": member.quiet_from,
                "quiet_to": member.quiet_to,
                "opt_outs": list(member.opt_outs or []),
                "version": member.version,
            },
            auto_id="member-%s",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("expires_on")
        if starts and ends and ends < starts:
            self.add_error("expires_on", _("The membership cannot end before it starts."))
        if bool(data.get("quiet_from")) != bool(data.get("quiet_to")):
            self.add_error("quiet_to", _("Give both ends of the quiet hours, or neither."))
        return data

    def data_for_service(self, member: Member) -> dict[str, Any]:
        """What `member_save` takes: these fields, and the member's number and language as
        they are (the customer's name, phone and email are left as they are)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["birthday"] = data["birthday"].isoformat() if data.get("birthday") else ""
        data["number"] = member.number
        data["language"] = member.customer.language or "zh-hans"
        return data


class NewMemberForm(MemberForm):
    """A new member: the membership number at the venue, the customer's name and contact (an
    existing customer of the company is found by phone, else email), and the care details."""

    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    number = forms.CharField(label=_("Membership number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "中文"), ("en", "English")], initial="zh-hans"
    )
    field_order = ["venue", "number", "name", "phone", "email", "language"]

    # A code of `member_save`'s refusals and the field it is about.
    FIELDS = {
        "invalid_phone": "phone",
        "invalid_email": "email",
        "member_taken": "number",
        "number_required": "number",
        "customer_required": "name",
        "birthday_invalid": "birthday",
    }

    def __init__(self, *args: Any, venues: list[Venue], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "new-%s")
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        field = self.fields["venue"]
        field.queryset = Venue.objects.filter(pk__in=[v.pk for v in venues])  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: v.name_in()  # type: ignore[attr-defined]
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("name") or data.get("phone") or data.get("email")):
            self.add_error("name", _("Give the member's name, phone or email."))
        return data

    def data_for_new(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "venue"}
        data["birthday"] = data["birthday"].isoformat() if data.get("birthday") else ""
        return data


class PointsForm(forms.Form):
    """Earn or redeem points, with the reason; a redeem larger than the balance is refused by
    the service (the balance never goes below zero)."""

    DIRECTIONS = [("earn", _("Earn")), ("redeem", pgettext_lazy("points", "Redeem"))]
    direction = forms.ChoiceField(
        label=_("Movement"), choices=DIRECTIONS, widget=forms.RadioSelect, initial="earn"
    )
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=MAX_POINTS)
    reason = forms.ChoiceField(label=_("Reason"), choices=PointsMovement.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = VersionField()

    def delta(self) -> int:
        points = int(self.cleaned_data["points"])
        return -points if self.cleaned_data["direction"] == "redeem" else points


class ContactForm(forms.Form):
    """The specialist's first contact with a member they were given."""

    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField()


class VisitForm(forms.Form):
    on = forms.DateField(label=_("Visit on"), widget=DateInput())


class ReassignForm(forms.Form):
    specialist = forms.TypedChoiceField(label=_("Specialist"), coerce=int, required=False)
    version = VersionField()

    def __init__(self, *args: Any, specialists: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialist"].choices = [  # type: ignore[attr-defined]
            ("", _("The specialist with the smallest book")),
            *((str(u.pk), u.name_in()) for u in specialists),
        ]
        self.specialists = {u.pk: u for u in specialists}

    def chosen(self) -> User | None:
        pk = self.cleaned_data.get("specialist")
        return self.specialists.get(pk) if pk else None

    def clean_specialist(self) -> int | None:
        pk = self.cleaned_data.get("specialist")
        if pk and pk not in self.specialists:
            raise forms.ValidationError(_("Choose a specialist of the member's venue."))
        return pk or None


# --- calls ----------------------------------------------------------------------------------


class CallForm(forms.Form):
    """What a revisit call found. Not reached: a note, and the attempt is counted."""

    REACHED = [("yes", _("Reached")), ("no", _("Not reached"))]
    reached = forms.ChoiceField(
        label=_("Reached the member?"), choices=REACHED, widget=forms.RadioSelect, initial="yes"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *CampaignCall.Outcome.choices],
        required=False,
    )
    score = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", "—"), *((str(n), str(n)) for n in range(5, 0, -1))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = VersionField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reached") == "yes" and not data.get("outcome"):
            self.add_error("outcome", _("Say whether the member is satisfied."))
        if data.get("reached") == "no":
            data["outcome"], data["score"] = "", None
        return data


# --- campaigns ------------------------------------------------------------------------------

DEFAULT_SCRIPT: dict[str, dict[str, str]] = {
    "zh-hans": {
        "greeting": "您好，我是{venue}的客服专员。请问现在方便占用您两分钟，"
        "听听您最近在我们这里锻炼的感受吗？",
        "satisfied_script": "非常感谢您的认可！您还有什么希望我们做得更好的地方吗？"
        "有任何需要，随时联系我。",
        "unsatisfied_script": "非常抱歉让您有不好的体验。请您具体说一说是哪里让您不满意？"
        "我会马上记录下来，并在今天之内把处理的安排告诉您。",
        "closing": "再次感谢您接听电话，祝您生活愉快，期待在会所再见到您！",
    },
    "en": {
        "greeting": "Hello, this is your customer-service specialist at {venue}. Do you have "
        "two minutes to tell me how your training with us has been lately?",
        "satisfied_script": "Thank you, we are glad to hear it! Is there anything we could do "
        "better for you? Call me any time you need something.",
        "unsatisfied_script": "I am sorry your experience fell short. Could you tell me what "
        "went wrong? I will record it now and tell you today what we will do about it.",
        "closing": "Thank you again for your time. Have a good day, and see you at the club!",
    },
}


def default_script(language: str | None = None) -> dict[str, str]:
    wanted = language if language is not None else (get_language() or "zh-hans")
    return DEFAULT_SCRIPT["en" if wanted.startswith("en") else "zh-hans"]


SCRIPT_FIELDS = ("greeting", "satisfied_script", "unsatisfied_script", "closing")


class CampaignForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=RevisitCampaign.Trigger.choices)
    due_days = forms.IntegerField(
        label=_("Due within (days)"),
        initial=3,
        min_value=1,
        max_value=MAX_DUE_DAYS,
        error_messages={
            "min_value": _("A revisit call is due within 1 to 3 days."),
            "max_value": _("A revisit call is due within 1 to 3 days."),
        },
    )
    inactivity_days = forms.IntegerField(
        label=_("Inactive for (days)"),
        initial=10,
        min_value=1,
        max_value=365,
        help_text=_("Only for the inactivity trigger."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    greeting = forms.CharField(
        label=_("Greeting"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfied_script = forms.CharField(
        label=_("If satisfied"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    unsatisfied_script = forms.CharField(
        label=_("If not satisfied"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    closing = forms.CharField(
        label=_("Closing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField(required=False)

    def __init__(
        self, *args: Any, venues: list[Venue], campaign: RevisitCampaign | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        field = self.fields["venue"]
        field.queryset = Venue.objects.filter(pk__in=[v.pk for v in venues])  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: v.name_in()  # type: ignore[attr-defined]
        if campaign is not None:
            del self.fields["venue"]  # a campaign stays at its venue
            self.fields["version"].required = True

    @classmethod
    def initial_for(cls, campaign: RevisitCampaign | None, today: date) -> dict[str, Any]:
        if campaign is None:
            return {"starts_on": today, **default_script()}
        names = ["name", "trigger", "due_days", "inactivity_days", "starts_on", "ends_on"]
        return {
            **{n: getattr(campaign, n) for n in (*names, *SCRIPT_FIELDS)},
            "version": campaign.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data

    def head_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in SCRIPT_FIELDS]

    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "venue")}


# --- care rules -----------------------------------------------------------------------------

# A kind of rule the venue has not set yet, as its form offers it. The messages may name
# {name}, {venue}, {days} and {expires_on} (what `care_rule_save` fills in).
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    CareRule.Kind.RENEWAL: {
        "days": [30, 10, 1],
        "message_zh": "{name}您好，您在{venue}的会籍将于{expires_on}到期（还有{days}天）。"
        "续费请联系您的客服专员或前台。",
        "message_en": "Hello {name}, your membership at {venue} ends on {expires_on} (in {days} "
        "days). Your customer-service specialist or the front desk will gladly renew it.",
    },
    CareRule.Kind.LAST_SESSION: {
        "message_zh": "{name}您好，您在{venue}的课程只剩最后一节了。需要续课请联系您的客服专员。",
        "message_en": "Hello {name}, you have one session left at {venue}. Ask your "
        "customer-service specialist about more.",
    },
    CareRule.Kind.BIRTHDAY: {
        "message_zh": "{name}，{venue}全体员工祝您生日快乐！",
        "message_en": "Happy birthday, {name}, from everyone at {venue}!",
    },
    CareRule.Kind.INACTIVITY: {
        "days": [10],
        "message_zh": "{name}您好，您已经{days}天没来{venue}了，我们很想念您！期待您回来锻炼。",
        "message_en": "Hello {name}, we have not seen you at {venue} for {days} days. We miss "
        "you and look forward to your next visit!",
    },
    CareRule.Kind.HOLIDAY: {
        "message_zh": "{name}您好，{venue}祝您节日快乐！",
        "message_en": "Hello {name}, {venue} wishes you a happy holiday!",
    },
}


def default_rule(kind: str) -> dict[str, Any]:
    return {
        "active": True,
        "send_at": "10:00",
        "channel": CareRule.Channel.SMS,
        **DEFAULT_RULES[kind],
    }


class CareRuleForm(forms.Form):
    active = forms.BooleanField(label=_("Active"), required=False)
    days = forms.CharField(
        label=_("Days"),
        max_length=60,
        required=False,
    )
    send_at = forms.TimeField(label=_("Send at (local time)"), widget=TimeInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=CareRule.Channel.choices)
    message_zh = forms.CharField(
        label=_("Message (Chinese)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "lang": "zh-Hans"}),
        help_text=_("{name}, {venue}, {days} and {expires_on} are filled in for each member."),
    )
    message_en = forms.CharField(
        label=_("Message (English)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "lang": "en"}),
    )
    version = VersionField(required=False)

    DAY_KINDS = (CareRule.Kind.RENEWAL, CareRule.Kind.INACTIVITY)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"rule-{kind}-%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind not in self.DAY_KINDS:
            del self.fields["days"]
        elif kind == CareRule.Kind.RENEWAL:
            self.fields["days"].help_text = _("Days before the membership ends, e.g. 30, 10, 1.")
        else:
            self.fields["days"].help_text = _("Days since the last visit, e.g. 10.")

    def clean_days(self) -> list[int]:
        raw = self.cleaned_data.get("days") or ""
        parts = [p for p in raw.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
        days: list[int] = []
        for part in parts:
            text = part.strip()
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 365:
                raise forms.ValidationError(
                    _("Give whole numbers of days from 1 to 365, separated by commas.")
                )
            days.append(int(text))
        if not days:
            raise forms.ValidationError(_("Give at least one number of days."))
        return sorted(set(days), reverse=True)

    def data_for_service(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["kind"] = self.kind
        return data


# --- coach feedback -------------------------------------------------------------------------


class CoachFeedbackForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    coach = forms.TypedChoiceField(label=_("Coach"), coerce=int)
    member = forms.CharField(
        label=_("Membership number"),
        max_length=40,
        required=False,
        help_text=_("Optional: the member who gave the feedback."),
    )
    score = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
    )
    comment = forms.CharField(
        label=_("What the member said"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, venues: list[Venue], coaches: dict[int, User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["venue"]
        field.queryset = Venue.objects.filter(pk__in=[v.pk for v in venues])  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: v.name_in()  # type: ignore[attr-defined]
        self.coaches = coaches
        self.fields["coach"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(pk), u.name_in()) for pk, u in coaches.items()),
        ]
