"""Evidence files: type decided from content, stored under a random name, hashed, audited."""

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage

from amends.complaints import services
from amends.complaints.models import ComplaintEvent, Evidence
from amends.core.errors import InvalidInput, PermissionDenied


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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(cast, complaint, data: bytes, name: str, actor=None):
    return services.evidence_add(
        complaint=complaint,
        actor=actor or cast.desk,
        name=name,
        stream=io.BytesIO(data),
        size=len(data),
        description="现场照片",
    )


def test_it_keeps_a_photo_under_a_random_name_with_its_hash(cast):
    c = cast.receive(category="facility_equipment")
    data = png_bytes()
    evidence = attach(cast, c, data, "../../跑步机.png")
    assert evidence.content_type == "image/png" and evidence.original_name == "跑步机.png"
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert "跑步机" not in evidence.file.name and evidence.file.name.endswith(".png")
    with default_storage.open(evidence.file.name, "rb") as stored:
        assert stored.read() == data
    logged = ComplaintEvent.objects.get(complaint=c, kind="evidence")
    assert logged.data["sha256"] == evidence.sha256 and logged.actor == cast.desk


def test_it_decides_the_type_from_the_content_and_refuses_a_name_that_contradicts_it(cast):
    c = cast.receive()
    evidence = attach(cast, c, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "receipt.pdf")
    assert evidence.content_type == "application/pdf" and evidence.file.name.endswith(".pdf")
    with pytest.raises(InvalidInput) as refused:
        attach(cast, c, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "receipt.jpg")
    assert refused.value.code == "file_type_mismatch"
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "unsupported_file_type"),
        (b"<html><script>alert(1)</script>", "unsupported_file_type"),
        (b"", "empty_file"),
    ],
)
def test_it_refuses_unsafe_files_and_stores_nothing(cast, data, code, tmp_path):
    c = cast.receive()
    with pytest.raises(InvalidInput) as refused:
        attach(cast, c, data, "photo.png")
    assert refused.value.code == code
    assert not Evidence.objects.exists()
    assert stored_files(tmp_path) == []


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def test_it_refuses_files_over_the_limit(cast, settings, tmp_path):
    settings.AMENDS_MAX_UPLOAD_MB = 1
    c = cast.receive()
    with pytest.raises(InvalidInput) as refused:
        attach(cast, c, png_bytes() + b"\x00" * (1024 * 1024), "big.png")
    assert refused.value.code == "file_too_large"
    assert not Evidence.objects.exists() and stored_files(tmp_path) == []
    assert not ComplaintEvent.objects.filter(complaint=c, kind="evidence").exists()


def test_only_people_who_work_on_the_complaint_may_add_evidence(cast, tmp_path):
    c = cast.receive(category="service_quality")
    with pytest.raises(PermissionDenied) as refused:
        attach(cast, c, png_bytes(), "x.png", actor=cast.auditor)
    assert refused.value.code == "action_not_allowed"
    assert not Evidence.objects.exists() and stored_files(tmp_path) == []
    assert not ComplaintEvent.objects.filter(complaint=c, kind="evidence").exists()
    evidence = attach(cast, c, png_bytes(), "x.png", actor=cast.manager)
    assert evidence.uploaded_by == cast.manager
    assert stored_files(tmp_path) == [tmp_path / evidence.file.name]
