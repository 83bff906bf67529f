"""Personal data in free text, shown as the customer's contact is (`complaints.selectors_privacy`).

    {% load console_privacy %}
    {{ c.description|pii_masked|truncatechars:80 }}    a list: always masked (mask, then cut)
    {{ complaint.description|pii_masked:contact }}     a complaint page: masked while the
                                                       contact card is (until it is revealed)
    {% if line.kind|customer_wrote %}…{% endif %}      a timeline line of the customer's words
    {{ c|readable_by:request.user|pii_masked }}        a complaint's description as this person
                                                       may read it (sensitive: withheld)
    {{ complaint|sensitive_note:request.user }}        why it is withheld ("" when it is not)
    {% may_read complaint as readable %}               whether the user in the context reads a
                                                       sensitive complaint's free text
    {{ complaint.customer_request|withheld_unless:readable }}   "▇▇▇" when not `readable`
    {% for d in line|details_for:readable %}           a timeline line's details as readable

Without a contact card (or with anything that is not one) the text is masked: a template that
forgets to pass it shows less, never more.
"""

from __future__ import annotations

from typing import Any

from django import template

from amends.complaints.selectors_privacy import (
    CUSTOMER_TEXT_KINDS,
    STRUCTURED_LINE_KINDS,
    masked_text,
)
from amends.complaints.services.access import may_see_sensitive, sensitive_text

register = template.Library()

WITHHELD = "▇▇▇"


@register.filter
def pii_masked(text: Any, contact: Any = None) -> Any:
    """`text` with its personal data masked, unless `contact` is a revealed contact card."""
    return masked_text(text, masked=getattr(contact, "masked", True) is not False)


@register.filter
def customer_wrote(kind: str) -> bool:
    """Whether a timeline line of this kind holds the customer's own words."""
    return kind in CUSTOMER_TEXT_KINDS


@register.filter
def readable_by(complaint: Any, user: Any) -> str:
    """The complaint's description as `user` may read it: withheld when it carries sensitive
    personal data (injury, health, ID numbers, a minor) and the complaint is not in their hands
    nor their role one that reads it (`complaints.services.access.may_see_sensitive`)."""
    return sensitive_text(complaint, user, complaint.description)[0]


@register.filter
def sensitive_note(complaint: Any, user: Any) -> str:
    """Why the description is withheld from `user`, or "" when it is not."""
    return sensitive_text(complaint, user, complaint.description)[1]


@register.simple_tag(takes_context=True)
def may_read(context: template.Context, complaint: Any) -> bool:
    """Whether the signed-in user of the context reads `complaint`'s free text as written
    (`may_see_sensitive`); remembered on the request, so a page and its partials ask once."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if complaint is None:
        return False
    if not getattr(complaint, "sensitive", None):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    memo = getattr(request, "_amends_may_read", None)
    if memo is None:
        memo = {}
        request._amends_may_read = memo  # type: ignore[union-attr]
    if complaint.pk not in memo:
        memo[complaint.pk] = may_see_sensitive(complaint, user)
    return bool(memo[complaint.pk])


@register.filter
def withheld_unless(text: Any, readable: Any) -> Any:
    """`text` when `readable` (from `may_read`), else "▇▇▇" (an empty text stays empty)."""
    if readable is True or not text:
        return text
    return WITHHELD


@register.filter
def details_for(line: Any, readable: Any) -> list[Any]:
    """A timeline line's details as the reader may read them: a line of free text on a
    sensitive complaint they may not read is withheld ("▇▇▇")."""
    details = list(getattr(line, "details", None) or [])
    if readable is True or not details or getattr(line, "kind", "") in STRUCTURED_LINE_KINDS:
        return details
    return [WITHHELD]


@register.filter
def sees_privacy(user: Any) -> bool:
    """Whether the Privacy pages are in `user`'s navigation: the privacy officer, the readers
    of the access log (auditor) and those who place legal holds (directors)."""
    from amends.privacy import services as privacy

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    roles = privacy.OFFICER_ROLES | privacy.READER_ROLES | privacy.HOLD_ROLES
    return privacy.has_any(user, roles)
