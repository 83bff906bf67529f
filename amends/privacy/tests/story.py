"""A complaint with something of every class: a note and a message holding the customer's
phone, an interview, a photo and a recording, a remedy, a survey comment — closed on 20 November
2026 at 10:00 Beijing time."""

from __future__ import annotations

import io
import struct
import zlib

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.complaints.services.conversation import customer_message_post
from amends.complaints.tests.stories import S, drive, received
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.principals import Principal

PHONE = "13912345678"
NAME = "李娜"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def full_complaint(cast: Cast, *, close: bool = True, **fields: object) -> Complaint:
    with clock.travel(local(2026, 11, 20, 9, 30)):
        c = received(
            cast,
            description=f"教练迟到，我的电话 {PHONE}，孩子在场受了伤。",
            customer_request="请回电 13912345678",
            **fields,
        )
        services.complaint_add_note(complaint=c, actor=cast.desk, text=f"客户留了号码 {PHONE}")
        customer_message_post(
            complaint=c,
            actor=Principal.customer(customer_id=c.customer_id, company_id=c.company_id),
            text=f"我是{NAME}，请打 {PHONE}",
        )
        data = png_bytes()
        services.evidence_add(
            complaint=c,
            actor=cast.desk,
            name="photo.png",
            stream=io.BytesIO(data),
            size=len(data),
            description="现场照片",
        )
    if not close:
        return Complaint.objects.get(pk=c.pk)
    with clock.travel(local(2026, 11, 20, 9, 45)):
        c = drive(cast, S.INVESTIGATING, complaint=Complaint.objects.get(pk=c.pk))
        services.interview_record(
            complaint=c,
            actor=cast.specialist,
            interviewee="教练张三",
            interviewee_role="staff",
            summary=f"张三说客户{NAME}先到。",
        )
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
    return Complaint.objects.get(pk=c.pk)
