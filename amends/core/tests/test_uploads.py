"""Evidence uploads: the type comes from the bytes, never from the client."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from amends.core.errors import InvalidInput
from amends.core.uploads import SNIFF_BYTES, UploadKind, check_upload, safe_filename

MiB = 1024 * 1024

HEADS: dict[str, bytes] = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "mp3_id3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
    "mp3_frame": b"\xff\xfb\x90\x64\x00\x00\x00\x00",
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "text": "前台态度很差，等了四十分钟。\nThe shower was cold.\n".encode(),
}


def sniff(head: bytes, *, name: str = "upload", size: int | None = None) -> UploadKind:
    return check_upload(name, head[:SNIFF_BYTES], len(head) if size is None else size)


def refused(head: bytes, *, name: str = "upload", size: int | None = None) -> str:
    with pytest.raises(InvalidInput) as info:
        sniff(head, name=name, size=size)
    return info.value.code


@pytest.mark.parametrize(
    ("key", "content_type", "extension", "is_image"),
    [
        ("jpeg", "image/jpeg", ".jpg", True),
        ("png", "image/png", ".png", True),
        ("gif", "image/gif", ".gif", True),
        ("webp", "image/webp", ".webp", True),
        ("pdf", "application/pdf", ".pdf", False),
        ("mp3_id3", "audio/mpeg", ".mp3", False),
        ("mp3_frame", "audio/mpeg", ".mp3", False),
        ("m4a", "audio/mp4", ".m4a", False),
        ("mp4", "video/mp4", ".mp4", False),
        ("wav", "audio/wav", ".wav", False),
        ("text", "text/plain", ".txt", False),
    ],
)
def test_it_recognises_each_allowed_type_from_its_bytes(
    key: str, content_type: str, extension: str, is_image: bool
) -> None:
    assert sniff(HEADS[key]) == UploadKind(content_type, extension, is_image)


def test_it_believes_the_bytes_not_the_name() -> None:
    assert sniff(HEADS["pdf"], name="photo.jpg").content_type == "application/pdf"


def test_it_returns_a_frozen_kind() -> None:
    kind = sniff(HEADS["png"])
    with pytest.raises(AttributeError):
        kind.is_image = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # Windows executable
        b"\x7fELF\x02\x01\x01\x00",  # Linux executable
        b"PK\x03\x04\x14\x00\x00\x00",  # zip / docx / apk
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # HEIC shares the ftyp box
        b"RIFF\x24\x00\x00\x00AVI LIST",  # RIFF but neither WAVE nor WEBP
        b"\xff\xf1\x50\x80\x00\x1f\xfc",  # AAC ADTS: sync bits but not an MPEG audio frame
        b"\x1b[31mred\x1b[0m",  # control characters are not text
        b"\xc3\x28 invalid utf-8",
    ],
)
def test_it_refuses_other_binaries(head: bytes) -> None:
    assert refused(head) == "unsupported_file_type"


def test_it_refuses_an_executable_even_when_named_like_a_photo() -> None:
    assert refused(b"MZ\x90\x00" + b"\x00" * 60, name="evidence.jpg") == "unsupported_file_type"


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body>hi</body></html>",
        "  <html><script>alert(1)</script>",
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        '<?xml version="1.0"?><x/>',
        "Dear manager,\n<SCRIPT src=//evil.example></SCRIPT>",
        "\ufeff<html>",
    ],
)
def test_it_refuses_markup_because_evidence_is_viewed_in_a_browser(text: str) -> None:
    assert refused(text.encode()) == "unsupported_file_type"


def test_it_refuses_text_with_nul_bytes() -> None:
    assert refused(b"hello\x00world") == "unsupported_file_type"


def test_it_accepts_text_cut_in_the_middle_of_a_chinese_character() -> None:
    text = ("投诉" * 200).encode()  # 1200 bytes; 512 is not a multiple of 3
    assert check_upload("note.txt", text[:SNIFF_BYTES], len(text)).extension == ".txt"


def test_it_refuses_a_complete_file_ending_in_half_a_character() -> None:
    assert refused("投诉".encode()[:-1]) == "unsupported_file_type"


def test_it_accepts_text_with_a_bom_and_mentions_of_less_than() -> None:
    assert sniff("\ufeff价格 < 100 元\n".encode()).content_type == "text/plain"


def test_it_refuses_empty_files() -> None:
    assert refused(b"", size=0) == "empty_file"
    assert refused(b"", size=10) == "empty_file"


@override_settings(AMENDS_MAX_UPLOAD_MB=2)
def test_it_enforces_the_size_limit_in_mebibytes() -> None:
    assert sniff(HEADS["jpeg"], size=2 * MiB).extension == ".jpg"
    assert refused(HEADS["jpeg"], size=2 * MiB + 1) == "file_too_large"


def test_it_checks_size_before_type() -> None:
    with override_settings(AMENDS_MAX_UPLOAD_MB=1):
        assert refused(b"MZ\x90\x00", size=5 * MiB) == "file_too_large"


def test_it_says_the_limit_in_the_message_in_the_readers_language() -> None:
    with override_settings(AMENDS_MAX_UPLOAD_MB=3), pytest.raises(InvalidInput) as info:
        sniff(HEADS["png"], size=4 * MiB)
    assert info.value.params == {"max_mb": 3}
    # The message stays lazy: it is translated for whoever finally reads it.
    with translation.override("en"):
        assert str(info.value) == "The file is too large (the limit is 3 MB)."
    with translation.override("zh-hans"):
        assert str(info.value) == "文件过大（上限为 3 MB）。"


# --- file names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("photo.jpg", "photo.jpg"),
        ("前台录音 2024.m4a", "前台录音 2024.m4a"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\li\\Desktop\\收据.pdf", "收据.pdf"),
        ("evil\x00name\r\n.txt", "evilname.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override disguise
        ("a<b>c:d|e?.png", "a_b_c_d_e_.png"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("///", "file"),
        ("???", "file"),
        ("CON.txt", "_CON.txt"),
    ],
)
def test_it_makes_file_names_safe(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_it_limits_file_names_to_100_characters_keeping_the_extension() -> None:
    name = safe_filename("投" * 300 + ".pdf")
    assert len(name) == 100
    assert name.endswith(".pdf")
    assert len(safe_filename("x" * 500)) == 100
