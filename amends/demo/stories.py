"""The complaint stories: each planned complaint is played as a story — a generator that takes one
step on its complaint, then yields how long until its next step. The engine's scheduler runs all
stories in the order of their simulated time.

A story begins with intake (`services.complaint_receive`); every later step goes through
`engine.act`, the one place where the demo acts on a complaint.
"""

from __future__ import annotations

import io
import random
from collections.abc import Generator, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from amends.complaints import clocks, routing, services
from amends.complaints.models import Complaint, Interview, RemedyProposal, Revisit, Survey
from amends.core import clock
from amends.demo import choices
from amends.demo.engine import act
from amends.demo.planner import (
    CLOSED_REVISIT_DUE,
    INVALID_FATES,
    LANGUAGE,
    NOMINAL_HOURS,
    Plan,
    S,
)
from amends.demo.texts import Handling, Pair
from amends.demo.world import DemoError, World
from amends.orgs.models import Department, User, Venue
from amends.orgs.roles import ESCALATION_LADDER, Role
from amends.orgs.selectors import scope_of
from amends.workflow.rules import authority_of
from amends.workflow.selectors import authority_limits, route_for


class Reached(Exception):
    """The story's complaint has reached the state it ends in."""


class Story:
    """The life of one complaint. `run()` yields the time until its next step."""

    def __init__(self, world: World, plan: Plan) -> None:
        self.world, self.plan = world, plan
        self.words, self.steps = world.words, world.words.steps
        self.rng = random.Random(plan.seed)
        self.team = world.teams[plan.venue]
        self.venue = self.team.venue
        self.complaint: Complaint | None = None
        self.handler: User | None = None
        self.tier = "zero"
        self.rejected_once = False
        self._last_revisitor: User | None = None

    # helpers
    def _h(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high) * self.plan.pace)

    def _t(self, pair: Pair) -> str:
        return self.plan.say(pair)

    @property
    def c(self) -> Complaint:
        assert self.complaint is not None
        return self.complaint

    @property
    def me(self) -> User:
        assert self.handler is not None
        return self.handler

    def _at(self, complaint: Complaint) -> None:
        """Keep the latest complaint; stop the story when it reached its fate."""
        self.complaint = complaint
        if complaint.state == self.plan.fate:
            raise Reached

    def _do(self, action: str, actor: User | None, **data: Any) -> Complaint:
        """Take `action` on this story's complaint, through the engine's one place of actions."""
        return act(action, complaint=self.c, actor=actor, data=data)

    def _refresh(self) -> None:
        self._at(Complaint.objects.get(pk=self.c.pk))

    def _manager(self) -> User:
        managers = [u for u in self.team.by_role["manager"] if u != self.plan.subject]
        return managers[0] if managers else self.world.director

    def __str__(self) -> str:
        where = self.complaint.reference if self.complaint else self.plan.venue
        flags = ", ".join(sorted(self.plan.flags))
        return f"{where} ({self.plan.fate}, {self.plan.text.category}; {flags})"

    def run(self) -> Iterator[timedelta]:
        try:
            yield from self._life()
        except Reached:
            return
        if self.plan.fate in NOMINAL_HOURS:
            raise DemoError(f"demo: {self} ended without reaching {self.plan.fate}")

    def _life(self) -> Iterator[timedelta]:
        plan = self.plan
        yield from self._intake()
        if plan.fate == S.MERGED:
            yield self._h(0.5, 4)
            original = plan.original
            assert original is not None and original.complaint is not None
            merger = self.team.pick(self.rng, Role.SPECIALIST)
            self._do(
                "merge",
                merger,
                into=original.complaint.reference,
                reason=self._t(self.steps.merge_reason),
            )
            return
        yield from self._accept()
        yield from self._investigate()
        if plan.fate == S.DECLINED:
            yield self._h(2, 24)
            reason = self._t(self.rng.choice(self.steps.decline_reasons))
            self._at(self._do("decline", self._manager(), reason=reason))
            return
        if plan.fate in INVALID_FATES:
            yield from self._explain()
            return
        yield from self._remedy()
        yield from self._follow_up()

    # 1. intake, acknowledgement, assignment
    def _receiver(self) -> User:
        rng, channel, team = self.rng, self.plan.channel, self.team
        subject = self.plan.subject
        if channel == "front_desk" or (channel == "phone" and rng.random() < 0.5):
            return team.pick(rng, Role.FRONT_DESK, (subject,))
        if channel == "staff":
            role = Role.STAFF if rng.random() < 0.7 else Role.MAINTENANCE
            return team.pick(rng, role, (subject,))
        if channel in ("social", "letter") and rng.random() < 0.3:
            return team.pick(rng, Role.MANAGER, (subject,))
        return team.pick(rng, Role.SPECIALIST, (subject,))

    def _intake(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        customer = plan.customer
        assert customer is not None
        text = plan.text
        description = text.text.format(**plan.slots)
        if plan.fate == S.MERGED:
            description = self.steps.duplicate[plan.i].replace("{text}", description)
        if plan.channel == "phone" and not customer.phone:
            customer.phone = self.words.mobile_prefixes[0] + "".join(
                str(rng.randint(0, 9)) for _ in range(8)
            )
        with_email = (
            plan.channel in ("email", "web", "app") or customer.shares_email or not customer.phone
        )
        classified = "unclassified" not in flags
        member = plan.member
        booking = (
            f"{plan.slots['room']} / HB{plan.received_at:%Y%m%d}{rng.randint(10, 99)}"
            if plan.kind == "hotel"
            else ""
        )
        subject = plan.subject
        receiver = self._receiver()
        lead = (1, 96) if plan.channel in ("letter", "email") else (0.1, 4)
        intake = services.Intake(
            channel=plan.channel,
            description=description,
            customer_name=customer.name,
            phone=customer.phone,
            email=customer.email if with_email else "",
            language=LANGUAGE[plan.lang],
            member_number=member,
            booking_reference=booking,
            occurred_at=plan.received_at - timedelta(hours=rng.uniform(*lead)),
            location=text.location,
            people_involved=subject.name_in(LANGUAGE[plan.lang]) if subject else "",
            customer_request=text.request,
            subject_staff=subject,
            subject_text=subject.name_in(LANGUAGE[plan.lang]) if subject else "",
            subject_department=self._department(subject) if subject else None,
            category=self.world.categories[text.category] if classified else None,
            severity=text.severity if classified else "",
        )
        late = "late_ack" in flags
        auto = not late and "manual_assign" not in flags and plan.fate != S.ACKNOWLEDGED
        complaint = services.complaint_receive(
            actor=receiver, venue=self.venue, intake=intake, acknowledge=not late, auto_assign=auto
        )
        self.complaint = complaint
        if (
            plan.fate != S.MERGED
            and "evidence" in flags
            and plan.channel in ("front_desk", "app", "web", "email")
        ):
            self._evidence(receiver)
        self._at(complaint)
        if late:
            yield self._h(0.2, 1) if plan.text.severity == "urgent" else self._h(0.5, 5)
            acker = self.team.pick(rng, Role.SPECIALIST, (subject,))
            self._at(self._do("acknowledge", acker))
        if self.c.state == S.ACKNOWLEDGED:
            yield self._h(0.3, 3)
            assigner = (
                self._manager()
                if rng.random() < 0.5
                else self.team.pick(rng, Role.SPECIALIST, (subject,))
            )
            assignee = routing.pick_assignee(
                venue=self.venue,
                role=self.c.route_role,
                department=self.c.department,
                exclude=[subject.pk] if subject else [],
            )
            if assignee is None:
                raise DemoError(f"demo: nobody to assign {self.c.reference} to")
            reason = self._t(self.steps.assigned_by_rules)
            self._at(self._do("assign", assigner, assignee=assignee, reason=reason))

    def _department(self, user: User) -> Department | None:
        for code, members in self.team.by_department.items():
            if user in members:
                return Department.objects.get(venue=self.venue, code=code)
        return None

    def _evidence(self, actor: User) -> None:
        png = choices.png(
            (self.rng.randint(0, 255), self.rng.randint(0, 255), self.rng.randint(0, 255))
        )
        label = self._t(self.rng.choice(self.steps.evidence))
        self._do(
            "evidence",
            actor,
            name=f"{label}.png",
            stream=io.BytesIO(png),
            size=len(png),
            description=label,
        )

    # 2. the handler takes it up (first response)
    def _accept(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        handler = self.c.assignee
        assert handler is not None
        severity = plan.text.severity
        if "slow" in flags and self.c.respond_due is not None:
            late = max(self.c.respond_due - clock.now(), timedelta(0))
            yield late + self._h(1, 10)
        else:
            yield self._h(*{"urgent": (0.2, 1), "important": (0.3, 5)}.get(severity, (0.5, 10)))
        unclassified = not self.c.category_id
        category = self.world.categories[plan.text.category]
        complaint = self._do(
            "accept",
            handler,
            category=category if unclassified else None,
            severity=severity if unclassified else "",
        )
        self.handler = handler
        department, role = route_for(
            venue=self.venue, category_code=category.code, severity=severity
        )
        if unclassified and role != complaint.route_role and rng.random() < 0.7:
            self.complaint = complaint
            yield self._h(0.2, 2)
            target = routing.pick_assignee(
                venue=self.venue,
                role=role,
                department=department,
                exclude=[plan.subject.pk] if plan.subject else [],
            )
            if target is not None and target != handler:
                reason = self._t(self.steps.passed_on)
                self._do("assign", handler, assignee=target, reason=reason)
                yield self._h(0.5, 4)
                complaint = self._do("accept", target)
                self.handler = target
        self._at(complaint)

    # 3. investigation
    def _investigate(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        me = self.me
        handling = self.words.handling[plan.text.category]
        if rng.random() < 0.6:
            yield self._h(0.3, 3)
            note = self._t(rng.choice(self.steps.call_notes))
            self._do("note", me, text=note, call=True)
        if "escalate_manual" in flags:
            yield self._h(0.2, 2)
            # A late complaint may already stand at the top of the ladder (the tick put it there).
            level = Complaint.objects.get(pk=self.c.pk).escalation_level
            if level < len(ESCALATION_LADDER):
                reason = self._t(rng.choice(self.steps.escalate_reasons))
                self._do("escalate", me, reason=reason)
        if "extend" in flags:
            yield self._h(2, 10)
            fresh = Complaint.objects.get(pk=self.c.pk)
            due = clocks.active_due(fresh)
            if due is not None:
                until = max(due, clock.now()) + timedelta(hours=rng.uniform(48, 96))
                reason = self._t(rng.choice(self.steps.extend_reasons))
                self._do("extend_deadline", me, until=until, reason=reason)
        if rng.random() < 0.75:
            yield self._h(1, 6)
            staff = plan.subject or self._colleague(handling.department)
            self._do(
                "interview",
                me,
                interviewee=staff.name_in(LANGUAGE[plan.lang]),
                interviewee_role=Interview.Role.STAFF,
                staff=staff,
                summary=self._t(handling.interview),
            )
        if (
            plan.text.category
            in ("safety_security", "noise", "lost_property", "hygiene_environment")
            and rng.random() < 0.5
        ):
            yield self._h(0.3, 3)
            # Both surnames are drawn, whatever the language, so the seeded history stays put.
            surnames = (rng.choice(self.words.zh_surnames)[0], rng.choice(self.words.en_last))
            who = self.steps.witness[plan.i].format(surname=surnames[plan.i])
            self._do(
                "interview",
                me,
                interviewee=who,
                interviewee_role=Interview.Role.WITNESS,
                summary=self.steps.witness_summary[plan.i],
            )
        if "evidence" in flags and rng.random() < 0.5:
            yield self._h(0.2, 2)
            self._evidence(me)
        yield self._h(1, 10)
        invalid = plan.fate in INVALID_FATES
        fields: dict[str, Any] = {"cause": handling.cause}
        if invalid:
            assert plan.text.unfounded is not None
            report = plan.text.unfounded[0]
            fields.update(validity="invalid", responsibility="customer", cause="objective")
        elif plan.fate == S.DECLINED:
            report = self._t(self.steps.decline_reasons[0])
            fields.update(validity="invalid", responsibility="customer")
        else:
            report = self._t(handling.report)
            fields.update(validity="valid", **self._responsibility(handling))
        self._do("investigation", me, report=report, **fields)
        if "psychology" in flags and plan.text.psychology:
            self._do("classify", me, psychology=plan.text.psychology)

    def _colleague(self, department: str) -> User:
        members = self.team.by_department.get(department) or self.team.by_role[Role.SPECIALIST]
        return self.rng.choice(members)

    def _responsibility(self, handling: Handling) -> dict[str, Any]:
        department = Department.objects.get(venue=self.venue, code=handling.department)
        if handling.responsibility == "staff" and self.plan.subject is not None:
            return {
                "responsibility": "staff",
                "responsible_staff": self.plan.subject,
                "responsible_department": self._department(self.plan.subject),
            }
        if handling.responsibility == "third_party" and (
            self.plan.text.category == "product_quality" or self.plan.kind == "hotel"
        ):
            party = (
                self.steps.supplier
                if self.plan.text.category == "product_quality"
                else self.steps.other_guests
            )
            return {"responsibility": "third_party", "responsible_party": self._t(party)}
        return {"responsibility": "department", "responsible_department": department}

    # 4a. not founded: explained, then closed
    def _explain(self) -> Iterator[timedelta]:
        plan = self.plan
        assert plan.text.unfounded is not None
        self._at(self._do("mark_invalid", self.me, reason=plan.text.unfounded[0]))
        yield self._h(0.5, 8)
        self._at(self._do("explain", self.me, message=plan.text.unfounded[1]))
        yield self._h(12, 72)
        self._at(self._do("close", self.me))
        yield from self._survey()

    # 4b. remedy: propose, submit, approval, the customer's answer, execution
    def _authority(self) -> Decimal | None:
        return authority_of(
            scope_of(self.me).roles_at(self.venue.pk), authority_limits(company=self.world.company)
        )

    def _remedy(self, mode: str = "first") -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        limit = self._authority() if mode == "first" and "force_above" in flags else None
        self.tier = choices.tier(
            rng, mode, self.tier, plan.text.stakes, limit, forced="force_above" in flags
        )
        proposals = choices.proposals(rng, plan, self.words, self.tier)
        yield self._h(0.5, 6)
        for kind, description, amount in proposals:
            self._do("propose_remedy", self.me, kind=kind, description=description, amount=amount)
        self._refresh()
        yield self._h(0.1, 2)
        self._at(self._do("submit_remedy", self.me))
        if self.c.state == S.APPROVAL_PENDING:
            role = self.c.approval_role
            approver = (
                self.world.director
                if role == Role.DIRECTOR
                else self.team.pick(rng, role, (self.me, plan.subject))
            )
            yield self._h(2, 20) if role == Role.DIRECTOR else self._h(1, 12)
            reject = "reject" in flags and not self.rejected_once
            pending = RemedyProposal.objects.filter(
                complaint=self.c, status=RemedyProposal.Status.PENDING
            )
            for proposal in list(pending):
                comments = self.steps.reject_comments if reject else self.steps.approve_comments
                comment = rng.choice(comments)
                self._do(
                    "reject" if reject else "approve", approver, proposal=proposal, comment=comment
                )
            self.rejected_once = self.rejected_once or reject
            self._refresh()
            if self.c.state == S.REJECTED:
                yield self._h(1, 12)
                yield from self._remedy("lower")
                return
        # Approved: the clock waits for the customer's answer.
        yield self._h(1, 36)
        refused = "consent_refused" in flags
        flags.discard("consent_refused")
        consenter = (
            self.me if rng.random() < 0.6 else self.team.pick(rng, Role.FRONT_DESK, (plan.subject,))
        )
        method = {
            "front_desk": "signature",
            "phone": "phone",
            "staff": "verbal",
            "social": "written",
            "letter": "written",
        }.get(plan.channel, "online")
        note = self._t(self.steps.consent_refusals[self.tier == "small"]) if refused else ""
        self._at(self._do("consent", consenter, accepted=not refused, method=method, note=note))
        if refused:
            yield self._h(2, 24)
            yield from self._remedy("higher")
            return
        kinds = list(
            RemedyProposal.objects.filter(
                complaint=self.c, status=RemedyProposal.Status.APPROVED
            ).values_list("kind", flat=True)
        )
        main = next((k for k in kinds if k != "apology"), kinds[0] if kinds else "other")
        executor = self.me
        if (
            main == "repair"
            and self.team.by_role.get(Role.MAINTENANCE)
            and plan.text.category == "facility_equipment"
        ):
            executor = self.team.pick(rng, Role.MAINTENANCE)
        yield self._h(1, 16) if main == "repair" else self._h(0.5, 10)
        self._at(self._do("execute", executor, note=self._t(self.words.executed[main])))
        subject = plan.subject
        if subject is not None and self.c.responsibility == "staff" and rng.random() < 0.8:
            kind, note = rng.choice(self.steps.consequences)
            self._do("consequence", self._manager(), staff=subject, kind=kind, note=note)

    # 5. feedback, revisit, closure, survey — in the order of the venue's revisit policy
    def _follow_up(self) -> Iterator[timedelta]:
        plan = self.plan
        yield self._h(0.2, 4)
        message = self._t(self.words.handling[plan.text.category].feedback)
        self._at(self._do("feedback", self.me, message=message))
        if self.venue.revisit_policy_in_force == Venue.RevisitPolicy.AFTER_CLOSURE:
            yield from self._close_then_revisit()
            return
        # Revisit before closure (the gyms): the revisit confirms satisfaction, then closure.
        unhappy = yield from self._revisit()
        if unhappy:
            yield self._h(1, 24)
            reason = self._t(self.steps.reopen_after_revisit)
            revisitor = self._last_revisitor
            self._at(self._do("reopen", revisitor, reason=reason))
            yield from self._second_look()
            return
        yield self._h(1, 30)
        self._at(self._do("close", self._last_revisitor))
        yield from self._survey()

    def _close_then_revisit(self) -> Iterator[timedelta]:
        """Close on feedback, revisit after closure (the hotel): the survey goes out at closure
        and an unhappy revisit reopens the complaint (the service does)."""
        yield self._h(0.5, 8)
        self._at(self._do("close", self.me))
        if self.plan.fate == CLOSED_REVISIT_DUE:
            raise Reached  # the revisit is still to make
        unhappy = yield from self._revisit()
        self._refresh()
        if unhappy:
            yield from self._second_look()
            return
        yield from self._survey()

    def _revisit(self) -> Generator[timedelta, None, bool]:
        """Make the open revisit (perhaps after a missed call); whether the customer was not
        satisfied. The revisitor is the one amends chose, else a colleague independent of the
        case (one who did not handle it and is not complained about)."""
        rng, flags = self.rng, self.plan.flags
        revisit = (
            Revisit.objects.filter(complaint=self.c, done_at__isnull=True)
            .select_related("assignee")
            .first()
        )
        if revisit is None:
            raise DemoError(f"demo: no revisit was scheduled for {self.c.reference}")
        revisitor = revisit.assignee or self._independent()
        self._last_revisitor = revisitor
        method = rng.choices(("phone", "online", "visit"), weights=(70, 20, 10))[0]
        if "revisit_retry" in flags:
            yield self._h(20, 60)
            notes = self._t(self.steps.revisit_missed)
            self._do("revisit", revisitor, reached=False, method="phone", notes=notes)
        yield self._h(24, 130)
        unhappy = "reopen_revisit" in flags
        flags.discard("reopen_revisit")
        notes = self._t(rng.choice(self.steps.revisit_bad if unhappy else self.steps.revisit_good))
        self._do(
            "revisit", revisitor, reached=True, method=method, satisfied=not unhappy, notes=notes
        )
        self._refresh()
        return unhappy

    def _independent(self) -> User:
        """A colleague who may make the revisit: a revisit role at the venue (or the company's
        director), not involved in the case. When everyone was involved, the revisit stays in
        the managers' revisit list, as amends shows it, and this story ends there."""
        involved = routing.not_independent(Complaint.objects.get(pk=self.c.pk))
        for role in routing.REVISITOR_ROLES:
            people = self.team.by_role.get(role, [])
            if role == Role.DIRECTOR:
                people = [*people, self.world.director]
            candidates = [u for u in people if u.pk not in involved]
            if candidates:
                return self.rng.choice(candidates)
        raise Reached  # nobody independent: the revisit waits in the managers' list

    def _second_look(self) -> Iterator[timedelta]:
        yield self._h(1, 12)
        self._do("note", self.me, text=self._t(self.steps.call_notes[0]), call=True)
        report = self.c.investigation_report + "\n" + self._t(self.steps.second_look)
        self._do("investigation", self.me, report=report)
        yield from self._remedy("second")
        yield from self._follow_up()

    def _survey(self) -> Iterator[timedelta]:
        rng, flags = self.rng, self.plan.flags
        unhappy = "reopen_survey" in flags
        if not unhappy and rng.random() >= 0.6:
            return
        if Survey.objects.filter(complaint=self.c, answered_at__isnull=False).exists():
            return  # closed again after a reopen: the one survey was answered the first time
        wait = self._h(4, 96)
        if clock.now() + wait > self.world.until:
            return  # the customer has not answered yet
        yield wait
        if unhappy:
            satisfaction = rng.choice((1, 2))
        else:
            satisfaction = rng.choices((5, 4, 3, 2, 1), weights=(46, 30, 12, 8, 4))[0]
        nps = max(0, min(10, satisfaction * 2 + rng.choice((-1, 0, 0, 1))))
        comment = self._t(rng.choice(self.steps.survey_comments[satisfaction]))
        survey = Survey.objects.get(complaint=self.c)
        # The customer answers (no member of staff): the survey's token is their key.
        self._do(
            "answer_survey",
            None,
            token=survey.token,
            satisfaction=satisfaction,
            nps=nps,
            comment=comment,
        )
        if unhappy:
            flags.discard("reopen_survey")
            yield self._h(2, 30)
            reason = self._t(self.steps.reopen_after_survey)
            self._at(self._do("reopen", self._manager(), reason=reason))
            yield from self._second_look()
