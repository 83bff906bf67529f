"""Emails as customers' mail programs write them (raw bytes), for the inbound tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from amends.conftest import local

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8


def email(
    *,
    text: str = "",
    subject: str = "",
    sender: str = "Wang Fang <wang.fang@example.com>",
    to: str = "complaints@gym1.example.com",
    message_id: str | None = "<m1@mail.example.com>",
    headers: dict[str, str] | None = None,
    html: str = "",
    files: list[tuple[str, str, bytes]] | None = None,
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(local(2026, 11, 20, 9, 30))
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if text:
        message.set_content(text, charset=charset)
    if html:
        if text:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    for name, content_type, data in files or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def gbk_email() -> bytes:
    """A Chinese email as older Chinese mail programs send it: GBK body, GB2312 subject."""
    body = "你好，游泳池的水很浑浊，有一股很重的消毒水味道，孩子游完眼睛发红。".encode("gbk")
    return (
        b"From: =?gb2312?B?" + __import__("base64").b64encode("张伟".encode("gb2312")) + b"?= "
        b"<zhang.wei@example.cn>\r\n"
        b"To: complaints@gym1.example.com\r\n"
        b"Subject: =?gb2312?B?"
        + __import__("base64").b64encode("泳池水质问题".encode("gb2312"))
        + b"?=\r\n"
        b"Message-ID: <gbk1@mail.example.cn>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=GBK\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
