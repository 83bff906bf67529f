"""Reading an email: its identity, its sender, its words and its files — pure functions, no
database.

- Headers are decoded with `email.policy.default` (RFC 2047 words, any charset Python knows:
  gb2312, gbk, gb18030, big5, utf-8 …); a body part whose declared charset is wrong or unknown
  is decoded as GB18030 (a superset of GBK and GB2312, the usual mislabel), then UTF-8 with
  replacement, so a message is never refused for its encoding.
- The text is the first text/plain part; without one, the first text/html part turned into
  text (stdlib `html.parser`: scripts and styles dropped, blocks and <br> as line breaks).
- A reply's new text is what precedes the quoted message (`strip_quoted`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# A reference: the venue code (capitals and digits, single hyphens), the day, the number.
REFERENCE = re.compile(r"\b([A-Z0-9]+(?:-[A-Z0-9]+)*-\d{8}-\d{4,})\b")
# No control characters (a NUL is refused by PostgreSQL): such an id is not one.
MAX_SUBJECT = 998
MAX_HTML = 256 * 1024
MESSAGE_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]+>")


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    from_address: str  # lower-cased, "" when there is none
    from_name: str
    subject: str
    text: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names, first value

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs this message answers: In-Reply-To first, then References (latest
        first)."""
        return tuple(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def parse(raw: bytes) -> ParsedEmail:
    message = message_from_bytes(raw, policy=policy.default)
    headers: dict[str, str] = {}
    for name in message.keys():  # noqa: SIM118 (a Message is not a dict)
        # Control characters (a NUL is refused by PostgreSQL, CR/LF could fold headers) never
        # leave a header.
        value = "".join(c if c >= " " or c == "\t" else " " for c in _header(message, name))
        headers.setdefault(name.lower(), value)
    name, address = parseaddr(headers.get("from", ""))
    return ParsedEmail(
        message_id=message_id_of(raw, headers.get("message-id", "")),
        from_address=address.strip().lower(),
        from_name=name.strip(),
        # RFC 5322's line limit: a longer subject is no one's, and the reference pattern must
        # never meet megabytes of text.
        subject=" ".join(headers.get("subject", "")[:MAX_SUBJECT].split()),
        text=body_text(message),
        in_reply_to=tuple(MESSAGE_ID.findall(headers.get("in-reply-to", ""))),
        references=tuple(MESSAGE_ID.findall(headers.get("references", ""))),
        attachments=tuple(attachments_of(message)),
        headers=headers,
    )


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except Exception:  # a malformed header (the parser raises many kinds): keep its raw text
        for raw_name, value in message.raw_items():
            if raw_name.lower() == name.lower():
                return str(value)
        return ""


def message_id_of(raw: bytes, header: str) -> str:
    """The message's Message-ID with its angle brackets; a message without one gets a stable
    id from the SHA-256 of its bytes (the same message fetched twice has the same id)."""
    found = MESSAGE_ID.search(header or "")
    if found:
        return found.group(0)[:500]
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@amends.invalid>"


def addresses(value: str) -> list[str]:
    return [address.lower() for _name, address in getaddresses([value]) if address]


def reference_in(subject: str) -> str:
    found = REFERENCE.search(subject or "")
    return found.group(1) if found else ""


# --- body -----------------------------------------------------------------------------------


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    if charset in ("gb2312", "gbk", "x-gbk", "cp936"):
        charset = "gb18030"  # a superset: mail labelled gb2312 often holds GBK characters
    for candidate in (charset, "gb18030"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").lower()
    return disposition.startswith("attachment") or (
        bool(part.get_filename()) and not part.get_content_type().startswith("text/")
    )


def body_text(message: Message) -> str:
    """The message's text: the first text/plain part, else the first text/html as text."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or _is_attachment(part):
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _decode(part)
        elif kind == "text/html" and html is None:
            html = _decode(part)
    if plain is not None and plain.strip():
        return _normalise(plain)
    if html is not None:
        return _normalise(html_to_text(html))
    return ""


def _normalise(text: str) -> str:
    text = text.replace("\x00", "")  # PostgreSQL refuses NUL in text
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _Text(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr"}
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """The text of an HTML body (its first MAX_HTML characters: Python's HTML parser slows down
    badly on some crafted input, so a message can never hold a worker for long)."""
    parser = _Text()
    parser.feed(html[:MAX_HTML])
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where a quoted earlier message begins, in the mail programs customers use.
_QUOTE_STARTS = [
    re.compile(r"^On .{0,300}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^在.{0,300}写道[:：]\s*$"),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^-{2,}\s*原始邮件\s*-{2,}"),
    re.compile(r"^-{2,}\s*Forwarded message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^(发件人|From)\s*[:：].+"),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above its "From:" block
]


def strip_quoted(text: str) -> str:
    """The new text of a reply: everything before the first quoted-message marker ("On …
    wrote:", "在 … 写道：", "-----Original Message-----", a "From:"/"发件人:" block), without
    the lines quoted with ">". A marker split over two lines ("On Mon, … <a@b>" / "wrote:")
    is found too. If nothing is left, the whole text (less ">" lines) is kept."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(p.match(stripped) for p in _QUOTE_STARTS) or (
            stripped.lower().startswith("on ") and _QUOTE_STARTS[0].match(joined)
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    new = _normalise("\n".join(kept))
    if new:
        return new
    return _normalise("\n".join(line for line in lines if not line.strip().startswith(">")))


# --- attachments ----------------------------------------------------------------------------


def attachments_of(message: Message) -> list[Attachment]:
    found: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart() or not _is_attachment(part):
            continue
        if isinstance(message, EmailMessage) and part.get_content_type() == "message/rfc822":
            continue  # a forwarded message: its words are in the text, its files are its own
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or "attachment"
        found.append(Attachment(name=name, content_type=part.get_content_type(), data=data))
    return found


# --- language -------------------------------------------------------------------------------


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # extensions B–F and compatibility supplement
    )


def detect_language(text: str) -> str:
    """ "zh-hans" when Chinese characters are at least 20 % of the letters, else "en".

    Letters are the alphabetic characters (Chinese ones included); 20 % because a Chinese
    message often quotes English names, models or addresses, while an English message rarely
    holds more than a name in Chinese. A message with no letters is taken as Chinese, the
    venues' own language."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return "zh-hans"
    cjk = sum(1 for char in letters if _is_cjk(char))
    return "zh-hans" if cjk * 5 >= len(letters) else "en"
