"""Personal data in free text, shown as the customer's contact is (`complaints.selectors_privacy`).

    {% load console_privacy %}
    {{ c.description|pii_masked|truncatechars:80 }}    a list: always masked (mask, then cut)
    {{ complaint.description|pii_masked:contact }}     a complaint page: masked while the
                                                       contact card is (until it is revealed)
    {% if line.kind|customer_wrote %}…{% endif %}      a timeline line of the customer's words

Without a contact card (or with anything that is not one) the text is masked: a template that
forgets to pass it shows less, never more.
"""

from __future__ import annotations

from typing import Any

from django import template

from amends.complaints.selectors_privacy import CUSTOMER_TEXT_KINDS, masked_text

register = template.Library()


@register.filter
def pii_masked(text: Any, contact: Any = None) -> Any:
    """`text` with its personal data masked, unless `contact` is a revealed contact card."""
    return masked_text(text, masked=getattr(contact, "masked", True) is not False)


@register.filter
def customer_wrote(kind: str) -> bool:
    """Whether a timeline line of this kind holds the customer's own words."""
    return kind in CUSTOMER_TEXT_KINDS
