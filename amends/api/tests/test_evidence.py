"""Evidence through the API: a multipart upload (the catalogue's evidence action), listed back."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amends.api.tests.conftest import Api, Keys, complaint_json
from amends.complaints.models import Complaint, Evidence
from amends.conftest import Cast

pytestmark = pytest.mark.usefixtures("at_ten")

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_the_app_uploads_a_photo_and_lists_it(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    reference = app.post("/complaints", complaint_json())["reference"]
    version = Complaint.objects.get(reference=reference).version
    uploaded = app.upload(
        f"/complaints/{reference}/evidence",
        {
            "file": SimpleUploadedFile("shower.png", PNG, content_type="image/png"),
            "version": str(version),
            "description": "淋浴间照片",
        },
    )
    assert uploaded.status == 201, uploaded
    assert uploaded["content_type"] == "image/png"
    assert uploaded["version"] == version + 1
    evidence = Evidence.objects.get()
    assert evidence.uploaded_by is None
    listed = Api(keys.reader).get(f"/complaints/{reference}/evidence")
    assert listed.json == [
        {
            "id": evidence.pk,
            "name": "shower.png",
            "content_type": "image/png",
            "size": len(PNG),
            "sha256": evidence.sha256,
            "description": "淋浴间照片",
            "uploaded_at": listed.json[0]["uploaded_at"],
        }
    ]


def test_it_refuses_a_file_it_does_not_take_and_a_stale_version(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    reference = app.post("/complaints", complaint_json())["reference"]
    version = Complaint.objects.get(reference=reference).version
    bad = app.upload(
        f"/complaints/{reference}/evidence",
        {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary"), "version": str(version)},
    )
    assert bad.status == 422, bad
    stale = app.upload(
        f"/complaints/{reference}/evidence",
        {"file": SimpleUploadedFile("a.png", PNG), "version": str(version - 1)},
    )
    assert (stale.status, stale["code"]) == (409, "stale_version")
    missing = app.upload(f"/complaints/{reference}/evidence", {"version": str(version)})
    assert (missing.status, missing["code"]) == (422, "invalid_input")
    assert not Evidence.objects.exists()
