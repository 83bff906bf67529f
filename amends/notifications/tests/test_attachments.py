"""Email with files attached (the monthly report's PDF and xlsx): the outbox row names them in
the default storage, the SMTP transport attaches them at each try. Over a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from amends.core import clock
from amends.notifications.delivery import deliver_due
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.notifications.tests.smtp import SmtpServer

WHEN = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # binary: must arrive intact
XLSX = b"PK\x03\x04" + bytes(range(255, -1, -1)) * 30
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def report_email(**context: Any) -> Outbox:
    pdf = default_storage.save("reports/monthly/2026/11/GYM1.pdf", ContentFile(PDF))
    xlsx = default_storage.save("reports/monthly/2026/11/GYM1.xlsx", ContentFile(XLSX))
    with clock.travel(WHEN):
        row = outbox_enqueue(
            kind=Outbox.Kind.TEST,
            channel=Outbox.Channel.EMAIL,
            address="manager@example.com",
            subject="GYM1 静安健身会所 2026年11月 投诉月报",
            body="本月的投诉月报见附件。",
            language="zh-hans",
            context={
                "html": "<p>本月的投诉月报见<b>附件</b>。</p>",
                "attachments": [
                    {"path": pdf, "name": "静安健身会所-2026-11.pdf", "type": "application/pdf"},
                    {"path": xlsx, "name": "静安健身会所-2026-11.xlsx", "type": XLSX_TYPE},
                ],
                **context,
            },
        )
    assert row is not None
    return row


def run(at: datetime) -> dict[str, int]:
    with clock.travel(at):
        return deliver_due(clock.now())


@pytest.mark.django_db
def test_the_files_go_out_attached_byte_for_byte_with_their_chinese_names(
    smtp_server: SmtpServer,
) -> None:
    row = report_email()
    assert run(WHEN)["sent"] == 1
    (mail,) = smtp_server.parsed()
    assert mail.get_content_type() == "multipart/mixed"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and text.get_content().strip() == "本月的投诉月报见附件。"
    assert html is not None and "<b>附件</b>" in html.get_content()
    files = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(files) == {"静安健身会所-2026-11.pdf", "静安健身会所-2026-11.xlsx"}
    assert files["静安健身会所-2026-11.pdf"].get_content_type() == "application/pdf"
    assert files["静安健身会所-2026-11.pdf"].get_content() == PDF
    assert files["静安健身会所-2026-11.xlsx"].get_content_type() == XLSX_TYPE
    assert files["静安健身会所-2026-11.xlsx"].get_content() == XLSX
    row.refresh_from_db()
    assert row.status == Outbox.Status.SENT


@pytest.mark.django_db
def test_a_file_gone_from_storage_fails_the_message_at_once(smtp_server: SmtpServer) -> None:
    row = report_email()
    default_storage.delete("reports/monthly/2026/11/GYM1.xlsx")
    assert run(WHEN)["failed"] == 1
    row.refresh_from_db()
    assert row.status == Outbox.Status.FAILED
    assert "attachment 静安健身会所-2026-11.xlsx is missing from storage" in row.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_path_outside_the_storage_is_never_read(smtp_server: SmtpServer) -> None:
    row = report_email(attachments=[{"path": "../../etc/passwd", "name": "passwd"}])
    assert run(WHEN)["failed"] == 1
    row.refresh_from_db()
    assert "attachment passwd is not in the storage" in row.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_storage_that_cannot_be_read_is_tried_again(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = report_email()

    def unreadable(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the shared disk is not mounted")

    monkeypatch.setattr(default_storage, "open", unreadable)
    assert run(WHEN)["retry"] == 1
    monkeypatch.undo()
    assert run(WHEN + timedelta(minutes=2))["sent"] == 1
    assert len(smtp_server.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.SENT, 2)
