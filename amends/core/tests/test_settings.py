"""Settings for more than one node: secrets from files, every key checked at start-up, cache,
files, e-mail and TLS behind a proxy chosen by environment variables — loud on a bad value."""

import json
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

FERNET = Fernet.generate_key().decode()
HMAC = "k" * 32
SECRETS = {
    "SECRET_KEY": "s" * 50,
    "AMENDS_FIELD_KEYS": FERNET,
    "AMENDS_BLIND_INDEX_KEY": HMAC,
    "AMENDS_TIMELINE_KEY": HMAC,
}


def start(env, *names):
    """Import the settings in a fresh interpreter with only `env` (and PATH) set; the values of
    `names` as JSON on stdout."""
    code = (
        "import json, amends.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def values(env, *names):
    result = start(env, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(env):
    result = start(env)
    assert result.returncode != 0, "start-up should have stopped"
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def production(tmp_path):
    return {"AMENDS_ENV": "production", "AMENDS_VAR_DIR": str(tmp_path), **SECRETS}


def test_it_reads_each_secret_from_a_file_without_its_trailing_newline(production, tmp_path):
    for name in SECRETS:
        (tmp_path / name).write_text(SECRETS[name] + "\n")
        del production[name]
        production[f"{name}_FILE"] = str(tmp_path / name)
    got = values(production, *SECRETS)
    assert got == {**SECRETS, "AMENDS_FIELD_KEYS": [FERNET]}


def test_a_secret_set_twice_stops_start_up(production, tmp_path):
    (tmp_path / "key").write_text(HMAC)
    production["AMENDS_TIMELINE_KEY_FILE"] = str(tmp_path / "key")
    assert "set AMENDS_TIMELINE_KEY or AMENDS_TIMELINE_KEY_FILE, not both" in refused(production)


def test_a_missing_secret_file_stops_start_up_naming_the_variable(production, tmp_path):
    del production["SECRET_KEY"]
    production["SECRET_KEY_FILE"] = str(tmp_path / "nowhere")
    assert f"SECRET_KEY_FILE={tmp_path / 'nowhere'} cannot be read" in refused(production)


def test_a_malformed_field_key_stops_start_up_naming_the_variable(production):
    production["AMENDS_FIELD_KEYS"] = f"{FERNET},not-a-fernet-key"
    assert "AMENDS_FIELD_KEYS: key 2 is not a Fernet key" in refused(production)


@pytest.mark.parametrize("name", ["AMENDS_BLIND_INDEX_KEY", "AMENDS_TIMELINE_KEY"])
def test_a_short_hmac_key_stops_start_up_naming_the_variable(production, name):
    production[name] = "k" * 31
    assert f"{name} must be at least 32 bytes long, not 31" in refused(production)


def test_the_generated_embedded_secrets_pass_the_same_checks(tmp_path):
    got = values({"AMENDS_VAR_DIR": str(tmp_path)}, "AMENDS_FIELD_KEYS", "AMENDS_TIMELINE_KEY")
    assert len(got["AMENDS_FIELD_KEYS"]) == 1 and len(got["AMENDS_TIMELINE_KEY"]) >= 32


def test_it_uses_a_local_cache_by_default_and_redis_when_asked(production):
    assert values(production, "CACHES")["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    production["AMENDS_CACHE_URL"] = "redis://cache.internal:6379/1"
    cache = values(production, "CACHES")["CACHES"]["default"]
    assert cache == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
    production["AMENDS_CACHE_URL"] = "memcached://cache.internal"
    assert "AMENDS_CACHE_URL must be redis://" in refused(production)


def test_it_stores_files_in_a_shared_directory_or_an_s3_compatible_store(production, tmp_path):
    production["AMENDS_MEDIA_ROOT"] = str(tmp_path / "shared")
    got = values(production, "STORAGES", "MEDIA_ROOT")
    assert got["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert got["MEDIA_ROOT"] == str(tmp_path / "shared")
    (tmp_path / "s3").write_text("s3-secret\n")
    production.update(
        AMENDS_S3_BUCKET="evidence",
        AMENDS_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com",
        AMENDS_S3_REGION="cn-shanghai",
        AMENDS_S3_ACCESS_KEY_ID="AKID",
        AMENDS_S3_SECRET_ACCESS_KEY_FILE=str(tmp_path / "s3"),
    )
    default = values(production, "STORAGES")["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "evidence",
        "https://oss-cn-shanghai.aliyuncs.com",
        "cn-shanghai",
    )
    assert (options["access_key"], options["secret_key"]) == ("AKID", "s3-secret")
    assert options["default_acl"] is None and options["custom_domain"] is None


def test_it_writes_mail_to_files_by_default_and_sends_by_smtp_when_configured(production):
    got = values(production, "EMAIL_BACKEND", "EMAIL_FILE_PATH")
    assert got["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert got["EMAIL_FILE_PATH"] == production["AMENDS_VAR_DIR"] + "/mail"
    production.update(
        AMENDS_EMAIL_HOST="smtp.example.com",
        AMENDS_EMAIL_PORT="465",
        AMENDS_EMAIL_USER="amends",
        AMENDS_EMAIL_PASSWORD="pw",
        AMENDS_EMAIL_USE_TLS="false",
        AMENDS_EMAIL_USE_SSL="true",
        AMENDS_EMAIL_FROM="投诉 <amends@example.com>",
    )
    names = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER")
    names += ("EMAIL_HOST_PASSWORD", "EMAIL_USE_SSL", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL")
    assert list(values(production, *names).values()) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        465,
        "amends",
        "pw",
        True,
        False,
        "投诉 <amends@example.com>",
    ]
    production["AMENDS_EMAIL_USE_TLS"] = "true"
    assert "AMENDS_EMAIL_USE_TLS" in refused(production)
    production["AMENDS_EMAIL_USE_TLS"] = "sometimes"
    assert "AMENDS_EMAIL_USE_TLS must be one of" in refused(production)


def test_it_trusts_the_proxy_and_sets_hsts_only_when_told(production):
    names = ("SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
    names += ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")
    assert list(values(production, *names).values()) == [None, False, 0, False, False]
    production.update(
        AMENDS_PROXY_SSL_HEADER="true",
        AMENDS_SSL_REDIRECT="true",
        AMENDS_HSTS_SECONDS="31536000",
        AMENDS_HSTS_INCLUDE_SUBDOMAINS="true",
        AMENDS_HSTS_PRELOAD="true",
    )
    assert list(values(production, *names).values()) == [
        ["HTTP_X_FORWARDED_PROTO", "https"],
        True,
        31536000,
        True,
        True,
    ]
    production["AMENDS_HSTS_SECONDS"] = "-1"
    assert "AMENDS_HSTS_SECONDS must be at least 0" in refused(production)


def test_a_redis_url_of_another_scheme_stops_start_up(production):
    production["AMENDS_REDIS_URL"] = "amqp://broker.internal"
    assert "AMENDS_REDIS_URL must be redis://" in refused(production)
