"""The roles of SPEC.md and what each may do — pure data, no database.

A role is held through a RoleGrant scoped to a venue (or to every venue of the company when the
grant has no venue) and optionally to a department.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    SPECIALIST = "specialist", _("Customer-service specialist")
    MANAGER = "manager", _("Customer-service manager")
    GENERAL_MANAGER = "general_manager", _("Venue general manager")
    MAINTENANCE = "maintenance", _("Maintenance")
    COURSE_SUPERVISOR = "course_supervisor", _("Course supervisor")
    STAFF = "staff", _("Coach / staff")
    DIRECTOR = "director", _("Club director")
    AUDITOR = "auditor", _("Auditor")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMIN = "admin", _("Administrator")


# Roles that see every complaint of the venues they hold them in. The others (maintenance,
# course supervisor, coach/staff, privacy officer) see only complaints routed to their
# department, or that they received, own or are assigned. The privacy officer is deliberately
# not venue-wide: the person who guards personal data reads the complaints that are theirs
# (privacy complaints are routed to them), not every complaint of the company.
VENUE_WIDE_ROLES = frozenset(
    {
        Role.FRONT_DESK,
        Role.SPECIALIST,
        Role.MANAGER,
        Role.GENERAL_MANAGER,
        Role.DIRECTOR,
        Role.AUDITOR,
        Role.ADMIN,
    }
)

# Roles allowed to see a customer's personal data unmasked (each view is an audited event).
UNMASK_ROLES = frozenset(
    {
        Role.FRONT_DESK,
        Role.SPECIALIST,
        Role.MANAGER,
        Role.GENERAL_MANAGER,
        Role.DIRECTOR,
        Role.AUDITOR,
        Role.PRIVACY_OFFICER,
    }
)

# Roles that handle complaints (can be assigned, investigate, propose remedies).
HANDLER_ROLES = frozenset(
    {
        Role.SPECIALIST,
        Role.MANAGER,
        Role.MAINTENANCE,
        Role.COURSE_SUPERVISOR,
        Role.GENERAL_MANAGER,
        Role.DIRECTOR,
        Role.PRIVACY_OFFICER,
    }
)

# Roles that may manage the flow of any complaint in their venue (assign, escalate, close).
SUPERVISOR_ROLES = frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})

# Roles that may propose a remedy on any complaint of their venue and submit it: approved at
# once within their authority limit, else sent up the approval ladder. (Anyone who owns or is
# assigned a complaint may too, through that relation.)
PROPOSER_ROLES = frozenset(
    {Role.FRONT_DESK, Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR}
)

# Roles that may record a complaint.
INTAKE_ROLES = frozenset(
    {
        Role.FRONT_DESK,
        Role.SPECIALIST,
        Role.MANAGER,
        Role.MAINTENANCE,
        Role.COURSE_SUPERVISOR,
        Role.STAFF,
        Role.GENERAL_MANAGER,
        Role.DIRECTOR,
        Role.PRIVACY_OFFICER,
    }
)

# Roles that decide on remedies (each within its authority limit): the approvals inbox.
APPROVER_ROLES = frozenset({Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})

# Who approves a remedy above the proposer's authority: the lowest of these, in this order,
# whose limit covers the amount and whom the venue has (the director is the last resort).
APPROVAL_LADDER = (Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR)

# Roles that make revisits (回访) and see the revisits list.
REVISIT_ROLES = frozenset({Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})

# The escalation ladder above the owner: owner -> manager -> general manager -> director.
ESCALATION_LADDER = (Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR)
