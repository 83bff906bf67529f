"""Safe evidence uploads: decide the real file type from its first bytes, and clean file names.

The client's file name and Content-Type are ignored for the type decision: both are trivially
forged. Callers read the first `SNIFF_BYTES` bytes of the upload, pass them with the total size to
`check_upload`, and store/serve the file with the returned content type and extension only.
Serving must still add `X-Content-Type-Options: nosniff` (and preferably
`Content-Disposition: attachment`): sniffing sees only the head of the file.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput

__all__ = ["SNIFF_BYTES", "UploadKind", "check_upload", "safe_filename"]

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
