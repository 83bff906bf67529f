"""Every write to a complaint, split by topic (gate, intake, assignment, investigation,
remedies, closure, exceptions) and re-exported here.
Faces (console, API, admin, CLI, email intake) and tests call these functions and nothing else.

Contract of every service here:
- keyword-only arguments, atomic: it either does everything or raises a DomainError and changes
  nothing;
- it locks the complaint row (`SELECT … FOR UPDATE`; on SQLite the write lock of the IMMEDIATE
  transaction) before reading state, so two people acting at once never lose an update;
- `expected_version`, when given, must equal the version the caller read, else StaleVersion;
- every change appends a timeline event; notifications are outbox rows in the same transaction.
"""

from __future__ import annotations

from amends.complaints.services.access import (
    customer_code_send,
    customer_code_verify,
    customer_link_principal,
    customer_link_token,
)
from amends.complaints.services.assignment import complaint_accept, complaint_assign
from amends.complaints.services.closure import (
    complaint_close,
    complaint_follow_up,
    complaint_give_feedback,
    complaint_reopen,
    revisit_record,
    survey_answer,
)
from amends.complaints.services.conversation import customer_message_post, customer_reply
from amends.complaints.services.duplicates import complaint_dismiss_duplicate
from amends.complaints.services.exceptions import (
    complaint_decline,
    complaint_escalate,
    complaint_extend_deadline,
    complaint_merge,
    complaint_set_legal_hold,
)
from amends.complaints.services.gate import complaint_transition, retention_date
from amends.complaints.services.intake import Intake, complaint_receive
from amends.complaints.services.investigation import (
    complaint_add_note,
    complaint_classify,
    complaint_explain,
    complaint_mark_invalid,
    complaint_record_investigation,
    complaint_reveal_contact,
    evidence_add,
    interview_record,
)
from amends.complaints.services.remedies import (
    consequence_record,
    remedy_approve,
    remedy_execute,
    remedy_propose,
    remedy_record_consent,
    remedy_reject,
    remedy_submit,
)

__all__ = [
    "Intake",
    "complaint_accept",
    "complaint_add_note",
    "complaint_assign",
    "complaint_classify",
    "complaint_close",
    "complaint_decline",
    "complaint_dismiss_duplicate",
    "complaint_escalate",
    "complaint_explain",
    "complaint_extend_deadline",
    "complaint_follow_up",
    "complaint_give_feedback",
    "complaint_mark_invalid",
    "complaint_merge",
    "complaint_receive",
    "complaint_record_investigation",
    "complaint_reopen",
    "complaint_reveal_contact",
    "complaint_set_legal_hold",
    "complaint_transition",
    "consequence_record",
    "customer_code_send",
    "customer_code_verify",
    "customer_link_principal",
    "customer_link_token",
    "customer_message_post",
    "customer_reply",
    "evidence_add",
    "interview_record",
    "remedy_approve",
    "remedy_execute",
    "remedy_propose",
    "remedy_record_consent",
    "remedy_reject",
    "remedy_submit",
    "retention_date",
    "revisit_record",
    "survey_answer",
]
