"""How a customer proves who they are, without an account.

- The per-complaint link: `/c/<reference>/<token>`, where the token is a keyed HMAC of the
  complaint (unguessable without SECRET_KEY, nothing stored). It proves the holder is the
  complainant of that one complaint.
- A short-lived code sent to the customer's phone or email: it proves they own that phone or
  email, so all their complaints at the company are theirs to see. Only an HMAC of the code is
  kept; it expires after CODE_MINUTES, allows MAX_ATTEMPTS tries and is used once. Whether the
  phone or email is known is never told: an unknown one gets the same answer and no message.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from amends.complaints.messages import sign_in_code_words
from amends.complaints.models import Complaint
from amends.core import clock, pii
from amends.core.errors import InvalidInput, NotFound
from amends.core.principals import Principal
from amends.members.models import Customer, CustomerCode
from amends.members.services import email_index, phone_index
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import Company, User
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
MAX_CODES_PER_DAY = 10  # a day's guesses stay few, and so do the texts a stranger can cause


def customer_link_token(complaint: Complaint) -> str:
    """The token of the complaint's customer link (stable for the complaint)."""
    value = f"{complaint.pk}:{complaint.reference}"
    return salted_hmac("amends.customer-link", value, algorithm="sha256").hexdigest()[:32]


def customer_link_principal(*, reference: str, token: str) -> Principal:
    """The complainant of `reference`, proved by the link's token; NotFound otherwise."""
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is None or not hmac.compare_digest(customer_link_token(complaint), token):
        raise NotFound(gettext_lazy("This link is not valid."), code="link_invalid")
    return Principal.customer(
        customer_id=complaint.customer_id,
        company_id=complaint.company_id,
        complaint_id=complaint.pk,
    )


def _code_hash(customer_id: int, code: str) -> str:
    return salted_hmac(
        "amends.customer-code", f"{customer_id}:{code}", algorithm="sha256"
    ).hexdigest()


def _find(company: Company, phone: str, email: str) -> tuple[Customer | None, str, str]:
    """The customer with this phone (else email), the channel and the normalised address."""
    if phone.strip():
        e164 = pii.normalize_phone(phone)
        found = Customer.objects.filter(company=company, phone_index=phone_index(e164)).first()
        return found, "phone", e164
    if email.strip():
        mail = pii.normalize_email(email)
        found = Customer.objects.filter(company=company, email_index=email_index(mail)).first()
        return found, "email", mail
    raise InvalidInput(gettext_lazy("Give your phone or email."), code="contact_required")


@transaction.atomic
def customer_code_send(*, company: Company, phone: str = "", email: str = "") -> None:
    """Send a six-digit sign-in code to the customer with this phone or email, if there is one.
    Says nothing about whether there is (no message is sent then). At most MAX_CODES_PER_HOUR
    codes an hour and MAX_CODES_PER_DAY a day per customer; more are silently not sent."""
    customer, sent_to, address = _find(company, phone, email)
    now = clock.now()
    if customer is None or customer.anonymised_at is not None:
        return
    sent = CustomerCode.objects.filter(customer=customer)
    if (
        sent.filter(created_at__gte=now - timedelta(hours=1)).count() >= MAX_CODES_PER_HOUR
        or sent.filter(created_at__gte=now - timedelta(days=1)).count() >= MAX_CODES_PER_DAY
    ):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    row = CustomerCode.objects.create(
        customer=customer,
        code_hash=_code_hash(customer.pk, code),
        sent_to=sent_to,
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    words = sign_in_code_words(code=code, minutes=CODE_MINUTES, language=customer.language)
    by_email = sent_to != "phone"
    outbox_enqueue(
        kind=Outbox.Kind.SIGN_IN_CODE,
        channel=Outbox.Channel.EMAIL if by_email else Outbox.Channel.SMS,
        subject=words.subject,
        body=words.text,
        language=customer.language,
        address=address,
        # the code's row, so the message is found again as the person's (export, erasure)
        context={"customer_code": row.pk, **({"html": words.html} if by_email else {})},
    )


def customer_code_verify(
    *, company: Company, code: str, phone: str = "", email: str = ""
) -> Principal:
    """The customer who owns this phone or email, proved by the code sent to it. A wrong,
    expired or used code, or an unknown phone or email, is refused the same way. A wrong try
    is counted (in its own transaction, so the refusal cannot roll it back)."""
    customer, _sent_to, _address = _find(company, phone, email)
    accepted = False
    if customer is not None:
        with transaction.atomic():
            now = clock.now()
            pending = (
                CustomerCode.objects.select_for_update()
                .filter(customer=customer, used_at__isnull=True, expires_at__gt=now)
                .order_by("-created_at")
                .first()
            )
            if pending is not None and pending.attempts < MAX_ATTEMPTS:
                pending.attempts += 1
                accepted = hmac.compare_digest(
                    pending.code_hash, _code_hash(customer.pk, code.strip())
                )
                pending.used_at = now if accepted else None
                pending.save(update_fields=["used_at", "attempts"])
    if customer is None or not accepted:
        raise InvalidInput(
            gettext_lazy("This code is not valid. Ask for a new one."), code="code_invalid"
        )
    return Principal.customer(customer_id=customer.pk, company_id=company.pk)


# --- sensitive data ----------------------------------------------------------------------------

# Who reads the free text of a complaint flagged sensitive (injury and health details, ID
# numbers, minors: `Complaint.sensitive`): these roles at the venues they hold them in, and the
# people the complaint is in the hands of — who received it, owns it, is assigned it or makes
# its revisit (they cannot handle a fall without reading about it). Everyone else who may see
# the complaint (the rest of the front desk, an auditor, a colleague browsing the venue's
# queues) reads it masked, with a note saying why.
SENSITIVE_ROLES = frozenset(
    {Role.PRIVACY_OFFICER, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR}
)
SENSITIVE_NOTE = gettext_lazy(
    "This complaint holds sensitive personal data (%(kinds)s): its text is shown masked. "
    "Ask a manager or the privacy officer."
)


def may_see_sensitive(complaint: Complaint, actor: User | None) -> bool:
    """Whether `actor` reads the free text of `complaint` as written: always when it is not
    flagged sensitive, else with a role of SENSITIVE_ROLES at its venue or when the complaint
    is in their hands (received, owned, assigned, revisit)."""
    if not complaint.sensitive:
        return True
    if actor is None or not actor.is_active or actor.company_id != complaint.company_id:
        return False
    if actor.pk in (complaint.received_by_id, complaint.owner_id, complaint.assignee_id):
        return True
    if scope_of(actor).has_role(complaint.venue_id, *SENSITIVE_ROLES):
        return True
    if getattr(complaint, "revisit_read_for", None) == actor.pk:  # a list read it with the row
        return bool(getattr(complaint, "revisit_by_reader", False))
    return complaint.revisits.filter(assignee_id=actor.pk).exists()


def sensitive_text(complaint: Complaint, actor: User | None, text: str) -> tuple[str, str]:
    """`text` of `complaint` as `actor` may read it, and the note to show with it ("" when
    shown as written). Otherwise the whole text is withheld ("▇▇▇"): a minor's or a patient's
    details are words, which no number mask would hide."""
    if may_see_sensitive(complaint, actor) or not text:
        return text, ""
    kinds = ", ".join(str(k) for k in complaint.sensitive)
    return "▇▇▇", str(SENSITIVE_NOTE % {"kinds": kinds})
