"""Backups: `amends backup` writes the database and the media into one private file, and
`amends restore` brings them back, checked against the backup's own manifest, on SQLite and
PostgreSQL alike."""

import stat
import tarfile

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings

from amends.complaints.models import Complaint
from amends.conftest import local
from amends.core import clock

pytestmark = pytest.mark.django_db(transaction=True)

CALM = "淋浴间的热水一直不够热。"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = settings.MEDIA_ROOT / "evidence" / "2026" / "11" / "GYM1-20261120-0001-01.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff\xe0 a treadmill belt")
    return photo


def test_a_night_s_backup_brings_back_the_complaints_and_their_files(cast, media, tmp_path, capsys):
    # Friday 20 November 2026: two complaints at GYM1, one photo of the treadmill belt.
    with clock.travel(local(2026, 11, 20, 10, 0)):
        first = cast.receive(description=CALM)
        cast.receive(description="跑步机皮带打滑，我摔倒了。")
    target = tmp_path / "backups" / "amends-20261120.tar"

    call_command("backup", str(target))

    assert capsys.readouterr().out.startswith("backed up 2 complaints, 1 customers and ")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with tarfile.open(target) as archive:
        names = set(archive.getnames())
    assert "manifest.json" in names
    assert names & {"database.dump", "database.sqlite3"}
    assert "media/evidence/2026/11/GYM1-20261120-0001-01.jpg" in names
    assert not any("secret" in name for name in names)  # the keys stay out of it

    # Saturday: a third complaint, and the photo lost from the disk …
    with clock.travel(local(2026, 11, 21, 9, 0)):
        cast.receive(description="更衣室的柜子打不开。")
    media.unlink()
    # … a restore into a database that holds complaints is refused, and changes nothing …
    with pytest.raises(CommandError, match="already holds complaints"):
        call_command("restore", str(target))
    assert Complaint.objects.count() == 3

    # … unless told to replace it: Friday night's state is back, files included.
    call_command("restore", str(target), "--force", "--no-verify")

    out = capsys.readouterr().out
    assert "restored 2 complaints, 1 customers, " in out
    assert "and 1 media files" in out
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == [
        "GYM1-20261120-0001",
        "GYM1-20261120-0002",
    ]
    assert Complaint.objects.get(pk=first.pk).description == CALM
    assert media.read_bytes() == b"\xff\xd8\xff\xe0 a treadmill belt"


def test_a_restore_verifies_the_timelines(cast, media, tmp_path, capsys):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        cast.receive(description=CALM)
    target = tmp_path / "amends.tar"
    call_command("backup", str(target))
    capsys.readouterr()

    call_command("restore", str(target), "--force")

    assert capsys.readouterr().out.splitlines()[-1] == "checked 1 complaints, 0 broken"


def test_a_restore_with_other_keys_says_the_personal_data_cannot_be_opened(cast, media, tmp_path):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        cast.receive(description=CALM)
    target = tmp_path / "amends.tar"
    call_command("backup", str(target))

    with (
        override_settings(AMENDS_FIELD_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="AMENDS_FIELD_KEYS the backup was made with"),
    ):
        call_command("restore", str(target), "--force", "--no-verify")


def test_a_file_that_is_not_a_backup_is_refused_plainly(db, tmp_path):
    bogus = tmp_path / "notes.tar"
    bogus.write_text("not a tar file")
    with pytest.raises(CommandError, match="is not an amends backup"):
        call_command("restore", str(bogus))
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(bogus))
