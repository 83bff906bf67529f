"""Safe evidence uploads: decide the real file type from its bytes, refuse disguised and active
files, and name stored and served files ourselves.

The client's file name and Content-Type never decide the type: both are trivially forged.
`check_upload` sniffs the first `SNIFF_BYTES` bytes; `check_file` (what every face's upload goes
through, via `evidence_add` or the public form) does that and then:

- refuses a file whose name or declared Content-Type claims another type than its bytes (a PNG
  named ".pdf", a PDF named ".jpg", text declared "text/html"): code "file_type_mismatch". A name
  without an extension, or the generic "application/octet-stream", claims nothing.
- refuses polyglots: markup or script anywhere in the file ("<script", "<html", "<svg", "<?php",
  "javascript:" …), a ZIP end-of-directory record in the last 64 KiB (ZIP/JAR/DOCX hidden in a
  photo or PDF), or "%PDF-" in the first KiB of a file that is not a PDF: code "file_polyglot".
- refuses PDFs with active content, rather than serving them as attachments only: a complaint's
  evidence never needs script, and a refused PDF is easily printed to a clean one. The whole
  file is scanned: every PDF name (with "#xx" escapes decoded) outside streams is checked against
  /JS, /JavaScript, /OpenAction, /AA, /Launch, /EmbeddedFile(s), /RichMedia and /XFA; inside
  (compressed-looking) stream data, where random bytes could spell a short name, the long names
  and "/JS (", "/JS <", "/AA <<" or an indirect reference after them; object streams
  (/Type /ObjStm, where a catalogue's /OpenAction can hide) are inflated with zlib up to
  `PDF_INFLATE_LIMIT` bytes in all and scanned like the rest: code "pdf_active_content". An
  object stream that cannot be inflated (encrypted, another filter, damaged, or over the limit)
  cannot be checked and is refused: code "pdf_unreadable".
- re-reads whole text files: every byte must be clean UTF-8 text, not only the head.

Files are stored under a random token plus the sniffed extension (see `complaints.models`), and
served under `served_name` (complaint reference, sequence, sniffed extension), never the client's
name, which is kept only as an escaped display label (`safe_filename`). Serving adds
`X-Content-Type-Options: nosniff`; only images are shown inline, everything else downloads.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput

__all__ = [
    "SNIFF_BYTES",
    "UploadKind",
    "check_file",
    "check_upload",
    "safe_filename",
    "served_name",
]

SNIFF_BYTES = 512
"""How many leading bytes callers should pass to `check_upload` (fewer if the file is shorter)."""

MAX_FILENAME_CHARS = 100


@dataclass(frozen=True)
class UploadKind:
    """The verified type of an upload. `extension` includes the dot, e.g. ".jpg"."""

    content_type: str
    extension: str
    is_image: bool


JPEG = UploadKind("image/jpeg", ".jpg", is_image=True)
PNG = UploadKind("image/png", ".png", is_image=True)
GIF = UploadKind("image/gif", ".gif", is_image=True)
WEBP = UploadKind("image/webp", ".webp", is_image=True)
PDF = UploadKind("application/pdf", ".pdf", is_image=False)
MP3 = UploadKind("audio/mpeg", ".mp3", is_image=False)
M4A = UploadKind("audio/mp4", ".m4a", is_image=False)
MP4 = UploadKind("video/mp4", ".mp4", is_image=False)
WAV = UploadKind("audio/wav", ".wav", is_image=False)
TEXT = UploadKind("text/plain", ".txt", is_image=False)

# ISO base media "major brands" we accept. Others (HEIC "heic"/"mif1", QuickTime "qt  ", 3GP, ...)
# share the ftyp box but are not what we promise to store and play back.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B "})
_VIDEO_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"dash",
        b"M4V ",
        b"MSNV",
    }
)

# C0 controls except tab, LF, VT, FF, CR, plus DEL: real text lacks them, binary has them.
_BAD_TEXT_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _unsupported() -> InvalidInput:
    return InvalidInput(
        _(
            "This file type is not accepted. Upload a photo, PDF, audio or video recording, "
            "or text."
        ),
        code="unsupported_file_type",
    )


def _is_mp3_frame(head: bytes) -> bool:
    # MPEG audio frame header: 11 sync bits, then version (01 is reserved), layer (00 reserved),
    # bitrate index (1111 is invalid) and sample rate (11 reserved). Checking these avoids taking
    # any blob starting with 0xFFE/0xFFF (e.g. AAC ADTS) for an MP3.
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and sample_rate != 0b11


def _sniff_binary(head: bytes) -> UploadKind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return MP3
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        if brand in _VIDEO_BRANDS:
            return MP4
    return None


def _looks_like_text(head: bytes, *, complete: bool) -> bool:
    """True if `head` is UTF-8 text that is safe to serve back (see `check_upload`)."""
    if b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        # `final=False` unless we hold the whole file: the 512-byte cut may split a multi-byte
        # character (common with Chinese text), which is not an encoding error.
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    if _BAD_TEXT_CHARS.search(text):
        return False
    # Markup is refused: evidence is shown to staff in a browser, and an HTML/SVG/XML file that a
    # browser or viewer ever renders could run script in our origin. Plain notes never need it.
    lowered = text.lstrip().lower()
    return not (lowered.startswith("<") or "<script" in lowered)


def check_upload(name: str, data_head: bytes, size: int) -> UploadKind:
    """Return the verified kind of an upload from its first bytes; raise `InvalidInput` otherwise.

    `name` is the client's file name; it is deliberately NOT used to decide the type (a ".jpg"
    holding PDF bytes is a PDF). `data_head` is the first `SNIFF_BYTES` bytes (or the whole file if
    shorter); `size` is the total size in bytes.

    Accepted: JPEG, PNG, GIF, WEBP, PDF, MP3 (ID3 tag or MPEG frame), M4A/MP4 (ftyp box with a known
    brand), WAV (RIFF/WAVE) and UTF-8 text without NUL or other control bytes and without markup
    ("<..." at the start or "<script" anywhere in the head), stored as ".txt".

    Raises `InvalidInput` with code "empty_file" (size 0 or no bytes), "file_too_large"
    (size > `settings.AMENDS_MAX_UPLOAD_MB` MiB) or "unsupported_file_type".
    """
    if size <= 0 or not data_head:
        raise InvalidInput(_("The file is empty."), code="empty_file")
    max_mb = int(settings.AMENDS_MAX_UPLOAD_MB)
    if size > max_mb * 1024 * 1024:
        raise InvalidInput(
            # format_lazy keeps the message lazy: it is translated for whoever finally reads it.
            format_lazy(_("The file is too large (the limit is {max_mb} MB)."), max_mb=max_mb),
            code="file_too_large",
            max_mb=max_mb,
        )
    head = data_head[:SNIFF_BYTES]
    kind = _sniff_binary(head)
    if kind is not None:
        return kind
    if _looks_like_text(head, complete=len(data_head) >= size):
        return TEXT
    raise _unsupported()


# Windows device names: harmless on Linux, but files are also downloaded to front-desk PCs.
_RESERVED_STEMS = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_KEEP_PUNCTUATION = frozenset(" -_.()")


def safe_filename(name: str) -> str:
    """Return a display/storage-safe version of a client file name; never empty, at most 100 chars.

    Drops any directory part (both "/" and "\\"), control and invisible format characters
    (including bidi overrides like U+202E that disguise extensions), and replaces every other
    character that is not a Unicode letter, digit, mark or one of ` -_.()` with "_". Chinese and
    other non-Latin names survive. Leading dots are removed (no hidden files, no ".."). Over-long
    names are cut in the stem so a short extension survives. Falls back to "file".
    """
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue
        if category[0] in "LMN" or char in _KEEP_PUNCTUATION:
            kept.append(char)
        elif category == "Zs":
            kept.append(" ")
        else:
            kept.append("_")
    cleaned = re.sub(r"_+", "_", re.sub(r"\s+", " ", "".join(kept)))
    cleaned = cleaned.strip(" .")
    if not cleaned.strip("_"):
        return "file"
    stem, ext = os.path.splitext(cleaned)
    if stem.upper() in _RESERVED_STEMS:
        stem = f"_{stem}"
    if len(ext) > 16:
        # Not a real extension; treat it as part of the name when cutting.
        stem, ext = stem + ext, ""
    stem = stem[: MAX_FILENAME_CHARS - len(ext)].rstrip(" .")
    result = f"{stem}{ext}" if stem else f"file{ext}"
    return result[:MAX_FILENAME_CHARS]


# --- whole-file checks --------------------------------------------------------------------------

PDF_INFLATE_LIMIT = 64 * 1024 * 1024
"""At most this many bytes are inflated from a PDF's object streams, in all (a zip bomb stops
here and the PDF is refused as unreadable)."""

# The extensions and declared Content-Types that agree with each sniffed type.
_EXTENSIONS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    "image/png": frozenset({".png"}),
    "image/gif": frozenset({".gif"}),
    "image/webp": frozenset({".webp"}),
    "application/pdf": frozenset({".pdf"}),
    "audio/mpeg": frozenset({".mp3"}),
    "audio/mp4": frozenset({".m4a", ".m4b", ".mp4"}),
    "video/mp4": frozenset({".mp4", ".m4v", ".m4a"}),
    "audio/wav": frozenset({".wav", ".wave"}),
    "text/plain": frozenset({".txt", ".text", ".log", ".md", ".csv"}),
}
_MP4_TYPES = frozenset({"audio/mp4", "audio/x-m4a", "audio/m4a", "video/mp4", "video/x-m4v"})
_DECLARED: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    "image/png": frozenset({"image/png", "image/x-png"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "application/pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "audio/mpeg": frozenset({"audio/mpeg", "audio/mp3", "audio/x-mp3", "audio/mpeg3"}),
    "audio/mp4": _MP4_TYPES,
    "video/mp4": _MP4_TYPES,
    "audio/wav": frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}),
    "text/plain": frozenset({"text/plain", "text/markdown", "text/csv"}),
}
# Declared types that claim nothing: what browsers and curl send when they do not know, and
# "text/plain", the default of several upload libraries (Django's test client among them).
_GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown", "text/plain"}
)
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


def _claimed_extension(name: str) -> str | None:
    """The extension the client's name claims (lower case, with the dot), or None: "IMG_0001",
    "scan.2024" (digits only) and "Mr. Zhang" (not an extension) claim nothing."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".")
    ext = os.path.splitext(base)[1].lower()
    if not _EXTENSION.fullmatch(ext) or not any(c.isalpha() for c in ext):
        return None
    return ext


def _mismatch(found: str, claimed: str) -> InvalidInput:
    return InvalidInput(
        format_lazy(
            _(
                "This file's content is a {found} file, but its name or type says {claimed}. "
                "Upload the original file without renaming it."
            ),
            found=found,
            claimed=claimed,
        ),
        code="file_type_mismatch",
        found=found,
        claimed=claimed,
    )


def check_claims(kind: UploadKind, name: str, declared_type: str = "") -> None:
    """Raise `InvalidInput` ("file_type_mismatch") when the client's file name extension or its
    declared Content-Type contradicts the sniffed `kind`."""
    ext = _claimed_extension(name)
    if ext is not None and ext not in _EXTENSIONS[kind.content_type]:
        raise _mismatch(kind.extension, ext)
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    if declared not in _GENERIC_TYPES and declared not in _DECLARED[kind.content_type]:
        raise _mismatch(kind.extension, declared[:60])


def _polyglot() -> InvalidInput:
    return InvalidInput(
        _(
            "This file also holds another kind of file (a web page, a script or an archive), "
            "so it is not accepted. Upload the photo, PDF or recording on its own."
        ),
        code="file_polyglot",
    )


# Markup or script that no photo, recording, PDF or note needs, anywhere in the file. Long
# enough that random compressed bytes do not spell them.
_MARKUP = re.compile(
    rb"<script|<html|<body[\s>]|<svg[\s>/]|<iframe|<object[\s>]|<embed[\s>]|<\?php|<!doctype"
    rb"|javascript:|vbscript:",
    re.IGNORECASE,
)
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 65_535 + 22  # the end-of-central-directory record sits in the last 64 KiB


def _check_polyglot(kind: UploadKind, data: bytes) -> None:
    if _MARKUP.search(data):
        raise _polyglot()
    if _ZIP_END in data[-_ZIP_TAIL:]:
        raise _polyglot()
    if kind is not PDF and b"%PDF-" in data[:1024]:
        raise _polyglot()


# --- PDF active content -------------------------------------------------------------------------

_ACTIVE_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"OpenAction",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
    }
)
# Long enough that random stream bytes do not spell them (with a delimiter after).
_LONG_ACTIVE_NAMES = frozenset(n for n in _ACTIVE_NAMES if len(n) >= 6)
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SHORT_ACTIVE_IN_STREAM = re.compile(
    rb"/(?:JS\s*[(<]|AA\s*<<|(?:JS|AA)\s+\d+\s+\d+\s+R)",
)
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")


def _names(data: bytes) -> Iterator[bytes]:
    for match in _PDF_NAME.finditer(data):
        yield _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _pdf_active() -> InvalidInput:
    return InvalidInput(
        _(
            "This PDF contains scripts, automatic actions or embedded files, which are not "
            "accepted. Print it to a new PDF (or take photos of it) and upload that."
        ),
        code="pdf_active_content",
    )


def _pdf_unreadable() -> InvalidInput:
    return InvalidInput(
        _(
            "This PDF is encrypted or damaged, so it cannot be checked for scripts. Save it "
            "again without a password (or print it to a new PDF) and upload that."
        ),
        code="pdf_unreadable",
    )


def _split_streams(data: bytes) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """The PDF's bytes outside streams, and each stream as (the dictionary before it, its data)."""
    outside: list[bytes] = []
    streams: list[tuple[bytes, bytes]] = []
    position = 0
    while True:
        match = _STREAM.search(data, position)
        if match is None:
            outside.append(data[position:])
            return outside, streams
        before = data[position : match.start()]
        outside.append(before)
        end = data.find(b"endstream", match.end())
        end = len(data) if end < 0 else end
        streams.append((before[-4096:], data[match.end() : end]))
        position = end + len(b"endstream")


def check_pdf(data: bytes) -> None:
    """Raise `InvalidInput` ("pdf_active_content" or "pdf_unreadable") for a PDF with scripts,
    automatic actions or embedded files, or one that cannot be checked. See the module's doc."""
    outside, streams = _split_streams(data)
    plain = b"\n".join(outside)
    if any(name in _ACTIVE_NAMES for name in _names(plain)):
        raise _pdf_active()
    budget = PDF_INFLATE_LIMIT
    for dictionary, raw in streams:
        if any(name in _LONG_ACTIVE_NAMES for name in _names(raw)):
            raise _pdf_active()
        if _SHORT_ACTIVE_IN_STREAM.search(raw):
            raise _pdf_active()
        if b"ObjStm" not in set(_names(dictionary)):
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(raw, budget + 1)
        except zlib.error:
            raise _pdf_unreadable() from None
        budget -= len(inflated)
        if budget < 0 or not inflated:
            raise _pdf_unreadable()
        if any(name in _ACTIVE_NAMES for name in _names(inflated)):
            raise _pdf_active()


def check_file(name: str, stream: IO[bytes], size: int, *, declared_type: str = "") -> UploadKind:
    """Return the verified kind of a whole upload, or raise `InvalidInput`.

    `stream` is read from its start and left at its start. On top of `check_upload` (empty, too
    large, unsupported): the client's extension and declared type must agree with the bytes,
    no polyglot, whole text must be clean text, and a PDF must hold no active content (see the
    module's doc for each code).
    """
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    kind = check_upload(name, head, size)
    check_claims(kind, name, declared_type)
    stream.seek(0)
    limit = int(settings.AMENDS_MAX_UPLOAD_MB) * 1024 * 1024
    data = stream.read(limit + 1)
    stream.seek(0)
    if len(data) > limit:
        check_upload(name, head, len(data))  # raises file_too_large
    _check_polyglot(kind, data)
    if kind is TEXT and not _looks_like_text(data, complete=True):
        raise _unsupported()
    if kind is PDF:
        check_pdf(data)
    return kind


def served_name(reference: str, sequence: int, extension: str) -> str:
    """The name an evidence file is downloaded under: "GYM1-2026-000123-03.jpg". Never the
    client's name: it could carry personal data, a path, or a disguised extension."""
    return f"{reference}-{sequence:02d}{extension}"
