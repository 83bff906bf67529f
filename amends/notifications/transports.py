"""How one outbox row leaves amends: one transport per channel.

A transport takes a claimed row and either returns a `Sent` (the remote side's answer, kept on
the `DeliveryAttempt`) or raises `TryAgain` (a temporary failure: the row is retried with
backoff) or `GiveUp` (a permanent failure: the row is FAILED at once). Transports never touch
the database's delivery state; `delivery.py` does, in its own short transaction right after the
transport returns.

- EMAIL: Django's `EmailMultiAlternatives` through the configured backend (SMTP in production,
  the file backend in var/mail when no mail server is configured). The Message-ID fixed at
  enqueue goes out on every try, so a receiver can drop a duplicate. Files named in
  `context["attachments"]` ([{"path": a path in the default storage, "name": the file name
  the recipient sees, "type": its MIME type}], e.g. the monthly report's PDF and xlsx) are
  read from the default storage at each try and attached; a file that is gone fails the row
  at once (a retry would not bring it back), a storage that cannot be read is retried.
- SMS: an HTTP gateway (POST JSON with a bearer token); without one, each message is written as
  a file into AMENDS_SMS_DIR (like Django's file email backend).
- WEBHOOK: a signed POST to the subscription's URL (`webhooks.py` signs and documents it).
- IN_APP and CALL: the row is already shown in the console; delivering marks it sent.
- MANUAL rows are never claimed: a person sends the letter and marks it done in the admin.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from amends.core import clock
from amends.notifications.models import Outbox

HTTP_TIMEOUT = 10  # seconds; well inside the claim lease (delivery.LEASE)
SMS_MAX = 500
SNIPPET = 200


@dataclass(frozen=True)
class Sent:
    """Delivered; `response` is what the remote side answered (never a secret)."""

    response: str


class DeliveryError(Exception):
    """A try that failed; `response` is what came back, if anything."""

    def __init__(self, error: str, *, response: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.response = response[:500]


class TryAgain(DeliveryError):
    """A temporary failure (server down, timeout, 5xx): retried with backoff."""


class GiveUp(DeliveryError):
    """A permanent failure (address refused, 4xx from the gateway): failed at once."""


class Unreachable(TryAgain):
    """The server could not be reached at all (refused, timed out): retried with backoff, and
    the rest of this run's messages for the same server are not tried (`NotTried`)."""


class NotTried(DeliveryError):
    """Not tried: the channel's server was unreachable earlier in this run. The row goes back
    to the queue as it was (no attempt counted), so a dead mail server costs one timeout per
    run, not one per message."""


def server_of(row: Outbox) -> str:
    """The server `row` goes to, as far as it is known without a query: the mail server and the
    SMS gateway serve every message of their channel; a webhook goes to its URL's host (the
    address it was queued with). "" when unknown."""
    if row.channel in (Outbox.Channel.EMAIL, Outbox.Channel.SMS):
        return row.channel
    if row.channel == Outbox.Channel.WEBHOOK and row.recipient_address:
        return f"webhook:{urlsplit(row.recipient_address).netloc}"
    return ""


class Transports:
    """The transports of one delivery run. Holds one email connection, opened on the first
    email and reused for the run (one SMTP session for a batch, not one per message)."""

    def __init__(self) -> None:
        self._mail: BaseEmailBackend | None = None
        self._down: dict[str, str] = {}

    def close(self) -> None:
        if self._mail is not None:
            mail, self._mail = self._mail, None
            with contextlib.suppress(OSError, smtplib.SMTPException):
                mail.close()  # the session is gone either way

    def deliver(self, row: Outbox) -> Sent:
        server = server_of(row)
        if server in self._down:
            raise NotTried(self._down[server])
        try:
            return self._deliver(row)
        except Unreachable as exc:
            if server:
                self._down[server] = f"not tried: {exc.error}"
            raise

    def _deliver(self, row: Outbox) -> Sent:
        channel = row.channel
        if channel == Outbox.Channel.EMAIL:
            return self.email(row)
        if channel == Outbox.Channel.SMS:
            return sms(row)
        if channel == Outbox.Channel.WEBHOOK:
            from amends.notifications.webhooks import webhook_post

            return webhook_post(row)
        if channel == Outbox.Channel.IN_APP:
            return Sent("shown in the console")
        if channel == Outbox.Channel.CALL:
            return Sent("call task shown in the owner's console")
        raise GiveUp(f"channel {channel!r} is not delivered by a worker")

    # --- email ---------------------------------------------------------------------------------

    def email(self, row: Outbox) -> Sent:
        if not row.recipient_address or "@" not in row.recipient_address:
            raise GiveUp("no e-mail address to send to")
        message = email_message(row)
        for name, content, mimetype in attachments(row):
            message.attach(name, content, mimetype)
        reused = self._mail is not None
        try:
            try:
                count = self._send(message)
            except (smtplib.SMTPServerDisconnected, OSError):
                if not reused:
                    raise
                # The session kept open since an earlier message was closed by the server
                # meanwhile (an idle timeout, a restart): once more on a fresh one.
                self.close()
                count = self._send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            answers = [f"{code} {text!r}" for code, text in exc.recipients.values()]
            permanent = all(code >= 500 for code, _text in exc.recipients.values())
            failure = GiveUp if permanent else TryAgain
            raise failure("recipient refused", response="; ".join(answers)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            answer = f"{exc.smtp_code} {exc.smtp_error!r}"
            # 5xx for this message's data (550 rejected content …) will not change on a retry;
            # an authentication or sender error is our configuration: retried until fixed.
            if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
                raise GiveUp("message refused", response=answer) from exc
            raise TryAgain(f"{type(exc).__name__}", response=answer) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Unreachable(f"mail server unavailable: {type(exc).__name__}: {exc}") from exc
        if count != 1:
            raise TryAgain("the mail backend accepted no message")
        backend = type(self._mail).__module__.rsplit(".", 1)[-1] if self._mail else "mail"
        return Sent(f"accepted ({backend}) {row.message_id or ''}".strip())

    def _send(self, message: EmailMultiAlternatives) -> int:
        if self._mail is None:
            self._mail = get_connection(fail_silently=False)
            self._mail.open()
        message.connection = self._mail
        return message.send(fail_silently=False)


def _header_list(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value if item)
    return str(value or "")


def email_message(row: Outbox) -> EmailMultiAlternatives:
    """The email of `row`, with its fixed Message-ID, threading and loop-detection headers."""
    context = row.context or {}
    headers: dict[str, str] = {"Auto-Submitted": "auto-generated"}
    if row.message_id:
        headers["Message-ID"] = row.message_id
    if row.reference:
        headers["X-Amends-Reference"] = row.reference
    in_reply_to = _header_list(context.get("in_reply_to"))
    references = _header_list(context.get("references")) or in_reply_to
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = references
    reply_to = context.get("reply_to")
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient_address],
        reply_to=[str(reply_to)] if reply_to else None,
        headers=headers,
    )
    html = context.get("html")
    if html:
        message.attach_alternative(str(html), "text/html")
    return message


def attachments(row: Outbox) -> list[tuple[str, bytes, str]]:
    """The files `row` carries (`context["attachments"]`), read from the default storage:
    (file name, content, MIME type) each. A file that is missing is a GiveUp; any other
    failure to read it a TryAgain."""
    from django.core.exceptions import SuspiciousFileOperation
    from django.core.files.storage import default_storage

    found = []
    for item in (row.context or {}).get("attachments") or []:
        path = str(item.get("path") or "")
        name = str(item.get("name") or path.rsplit("/", 1)[-1])
        mimetype = str(item.get("type") or "application/octet-stream")
        try:
            with default_storage.open(path, "rb") as stored:
                content = stored.read()
        except FileNotFoundError as exc:
            raise GiveUp(f"attachment {name} is missing from storage") from exc
        except SuspiciousFileOperation as exc:  # a path outside the storage: never read
            raise GiveUp(f"attachment {name} is not in the storage") from exc
        except OSError as exc:
            raise TryAgain(f"attachment {name} could not be read: {type(exc).__name__}") from exc
        found.append((name, bytes(content), mimetype))
    return found


# --- HTTP (SMS gateway, webhooks) --------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to resend a signed body or a bearer token to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    text: str


def http_post(url: str, *, body: bytes, headers: dict[str, str]) -> HttpAnswer:
    """POST `body` to `url`; the answer whatever its status. A network failure or a timeout
    raises TryAgain."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=HTTP_TIMEOUT) as answer:
            return HttpAnswer(answer.status, _read(answer))
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(exc.code, _read(exc))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(f"unreachable: {reason}") from exc
    except http.client.HTTPException as exc:  # a garbled answer: the server is there
        raise TryAgain(f"bad HTTP answer: {type(exc).__name__}: {exc}") from exc


def _read(answer: Any) -> str:
    try:
        return bytes(answer.read(4096)).decode("utf-8", "replace")
    except (OSError, TimeoutError):
        return ""


def snippet(text: str) -> str:
    return " ".join(text.split())[:SNIPPET]


# --- SMS ---------------------------------------------------------------------------------------


def sms_text(row: Outbox) -> str:
    """The text of an SMS: the body alone (no subject), at most 500 characters."""
    text = row.body.strip()
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 1] + "…"


def sms(row: Outbox) -> Sent:
    if not row.recipient_address:
        raise GiveUp("no phone number to send to")
    if not settings.AMENDS_SMS_GATEWAY_URL:
        return sms_to_file(row)
    body = json.dumps({"to": row.recipient_address, "text": sms_text(row)}).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        # The same key on every try of this row: a gateway that honours it drops a resend
        # after a crash between its answer and our commit.
        "Idempotency-Key": f"amends-outbox-{row.pk}",
    }
    if settings.AMENDS_SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.AMENDS_SMS_GATEWAY_TOKEN}"
    answer = http_post(settings.AMENDS_SMS_GATEWAY_URL, body=body, headers=headers)
    said = f"HTTP {answer.status}: {snippet(answer.text)}"
    if 200 <= answer.status < 300:
        gateway_id = _gateway_id(answer.text)
        return Sent(f"HTTP {answer.status} id={gateway_id}" if gateway_id else said)
    if answer.status in (408, 425, 429) or answer.status >= 500:
        raise TryAgain(f"SMS gateway answered {answer.status}", response=said)
    raise GiveUp(f"SMS gateway refused the message ({answer.status})", response=said)


def _gateway_id(text: str) -> str:
    try:
        answer = json.loads(text)
    except ValueError:
        return ""
    if isinstance(answer, dict):
        for key in ("id", "message_id", "messageId", "sid"):
            if answer.get(key):
                return str(answer[key])[:100]
    return ""


def sms_to_file(row: Outbox) -> Sent:
    """No gateway configured (a single machine): the message is written as a file, one per
    message, for a person to read or a script to forward."""
    folder = Path(settings.AMENDS_SMS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{row.pk}.txt"
    content = (
        f"To: {row.recipient_address}\n"
        f"Reference: {row.reference}\n"
        f"Outbox: {row.pk}\n"
        f"Date: {clock.now().isoformat()}\n\n"
        f"{sms_text(row)}\n"
    )
    path.write_text(content, encoding="utf-8")
    return Sent(f"written to {path.name}")
