"""The one settings module of amends. Every value comes from an environment variable listed in
`.env.example`; a bad value stops start-up with a message naming the variable.

Embedded default (no variables set): SQLite in WAL mode under var/, local-memory cache, jobs run
in-process by `amends serve`, secrets generated once into var/secrets.json.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from amends.core import secrets as local_secrets
from amends.core.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
AMENDS_ENV = env_choice("AMENDS_ENV", ("embedded", "production"), "embedded")
VAR_DIR = Path(env_str("AMENDS_VAR_DIR", str(Path.cwd() / "var"))).resolve()

# --- secrets ------------------------------------------------------------------------------
_SECRET_NAMES = ("SECRET_KEY", "AMENDS_FIELD_KEYS", "AMENDS_BLIND_INDEX_KEY", "AMENDS_TIMELINE_KEY")
# Each from NAME, or from the file NAME_FILE names (/run/secrets/…); never both.
_from_env = {name: env_secret(name) for name in _SECRET_NAMES}
if all(_from_env.values()):
    _secrets = _from_env
elif AMENDS_ENV == "production":
    _missing = [name for name, value in _from_env.items() if not value]
    raise ImproperlyConfigured(
        f"AMENDS_ENV=production needs these variables: {', '.join(_missing)}"
    )
else:
    _secrets = {
        **local_secrets.load_or_create(VAR_DIR / "secrets.json"),
        **{name: value for name, value in _from_env.items() if value},
    }

SECRET_KEY = _secrets["SECRET_KEY"]
# Comma-separated Fernet keys: the first encrypts, all decrypt (MultiFernet), so keys can rotate.
# Every key is checked now, so a typo stops start-up instead of the first decryption.
AMENDS_FIELD_KEYS = local_secrets.fernet_keys("AMENDS_FIELD_KEYS", _secrets["AMENDS_FIELD_KEYS"])
AMENDS_BLIND_INDEX_KEY = local_secrets.hmac_key(
    "AMENDS_BLIND_INDEX_KEY", _secrets["AMENDS_BLIND_INDEX_KEY"]
)
AMENDS_TIMELINE_KEY = local_secrets.hmac_key("AMENDS_TIMELINE_KEY", _secrets["AMENDS_TIMELINE_KEY"])

DEBUG = env_bool("AMENDS_DEBUG", False)
ALLOWED_HOSTS = env_list("AMENDS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("AMENDS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "amends.core",
    "amends.orgs",
    "amends.members",
    "amends.notifications",
    "amends.workflow",
    "amends.complaints",
    "amends.inbound",
    "amends.improvements",
    "amends.privacy",
    "amends.equipment",
    "amends.care",
    "amends.reports",
    "amends.cli",
    "amends.console",
    "amends.api",
    "amends.public",
    "ninja",
    "django_htmx",
    # Sign-in lockout, the second factor (TOTP) and the Content-Security-Policy header: see
    # "Security hardening" in docs/architecture.md.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: every page Django answers carries the policy and no-store; static
    # files (answered by whitenoise above) are cached as usual.
    "amends.console.middleware.ContentSecurityPolicyMiddleware",
    "amends.console.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "amends.console.middleware.SharedTerminalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "amends.console.middleware.RefuseNulMiddleware",
    "amends.core.input_guard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "amends.console.middleware.SecondFactorMiddleware",
    "amends.console.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into the sign-in page saying so.
    "axes.middleware.AxesMiddleware",
]

# Bench mode (`amends bench intake|queue|…` sets it in the server it starts, never otherwise):
# each response carries its SQL statement count and CPU time, and /bench/ceiling/ is mounted
# (amends/urls.py). Refused in production.
AMENDS_BENCH = env_bool("AMENDS_BENCH", False)
if AMENDS_BENCH:
    if AMENDS_ENV == "production":
        raise ImproperlyConfigured("AMENDS_BENCH=1 is for benchmarks, never AMENDS_ENV=production")
    MIDDLEWARE.insert(0, "amends.cli.bench.middleware.BenchMiddleware")

ROOT_URLCONF = "amends.urls"
WSGI_APPLICATION = "amends.wsgi.application"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:start"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "amends.console.views.context",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        _default_db: dict[str, Any] = dict(dj_database_url.parse(_database_url, conn_max_age=60))
    except Exception as exc:  # dj_database_url raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if _default_db.get("ENGINE") not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured("DATABASE_URL must be postgres://… or sqlite:///…")
else:
    local_secrets.private_dir(VAR_DIR)  # 0700: the database, secrets, mail and media live here
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "amends.sqlite3"),
    }
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _default_db["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue instead of failing on a lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if str(_default_db.get("NAME") or "") not in ("", ":memory:") and not str(
        _default_db["NAME"]
    ).startswith("file:"):
        # Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
        local_secrets.private_file(Path(_default_db["NAME"]))
if _default_db["ENGINE"] == "django.db.backends.postgresql":
    # amends' statements are short OLTP reads and month aggregates: PostgreSQL's JIT costs more
    # compiling them (seconds of CPU on the company report at 1 M complaints) than it saves.
    _default_db["OPTIONS"] = {"options": "-c jit=off", **dict(_default_db.get("OPTIONS") or {})}
DATABASES: dict[str, dict[str, Any]] = {"default": _default_db}
# Reports may read from a replica (a read-only copy of the same database):
# AMENDS_REPORTS_DATABASE_URL adds the alias "reports", which only the reports' read queries
# use (amends.reports.db).
_reports_url = env_str("AMENDS_REPORTS_DATABASE_URL")
if _reports_url:
    try:
        DATABASES["reports"] = dict(dj_database_url.parse(_reports_url, conn_max_age=60))
    except Exception as exc:
        raise ImproperlyConfigured(
            f"AMENDS_REPORTS_DATABASE_URL is not a valid database URL: {exc}"
        ) from None
    if DATABASES["reports"].get("ENGINE") != _default_db["ENGINE"]:
        raise ImproperlyConfigured("AMENDS_REPORTS_DATABASE_URL must be the same kind of database")
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["reports"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["reports"]["OPTIONS"] = {
            "options": "-c jit=off",
            **dict(DATABASES["reports"].get("OPTIONS") or {}),
        }
DATABASE_ROUTERS = ["amends.reports.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Local memory on one node; Redis (Django's own backend) when nodes must share the cache.
AMENDS_CACHE_URL = env_str("AMENDS_CACHE_URL")
if AMENDS_CACHE_URL and not AMENDS_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("AMENDS_CACHE_URL must be redis://…, rediss://… or unix://…")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": AMENDS_CACHE_URL}
        if AMENDS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- i18n and time ------------------------------------------------------------------------
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = env_choice("AMENDS_LANGUAGE", ("zh-hans", "en"), "zh-hans")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("AMENDS_TIME_ZONE", "Asia/Shanghai")

# --- files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing directory
MEDIA_ROOT = Path(env_str("AMENDS_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Evidence and exports: files 0600 and directories 0700, whatever the umask (Django chmods).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
AMENDS_MAX_UPLOAD_MB = env_int("AMENDS_MAX_UPLOAD_MB", 20, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Evidence files go to the default storage: MEDIA_ROOT (a directory every node shares), or any
# S3-compatible store (AWS S3, MinIO, Aliyun OSS, Tencent COS …) when AMENDS_S3_BUCKET is set.
# Files are private: served through amends' access checks, or by short-lived signed URLs.
AMENDS_S3_BUCKET = env_str("AMENDS_S3_BUCKET")
_default_storage: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AMENDS_S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AMENDS_S3_BUCKET,
            "endpoint_url": env_str("AMENDS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AMENDS_S3_REGION") or None,
            "access_key": env_str("AMENDS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AMENDS_S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": env_str("AMENDS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- email --------------------------------------------------------------------------------
# Embedded default: every message is written as a file under var/mail (nothing leaves the
# machine). AMENDS_EMAIL_HOST set: SMTP.
AMENDS_EMAIL_HOST = env_str("AMENDS_EMAIL_HOST")
DEFAULT_FROM_EMAIL = env_str("AMENDS_EMAIL_FROM", "amends@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if AMENDS_EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = AMENDS_EMAIL_HOST
    EMAIL_PORT = env_int("AMENDS_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("AMENDS_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_secret("AMENDS_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("AMENDS_EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("AMENDS_EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured(
            "AMENDS_EMAIL_USE_TLS (STARTTLS, port 587) and AMENDS_EMAIL_USE_SSL (port 465) "
            "exclude each other: set one to false"
        )
    EMAIL_TIMEOUT = env_int("AMENDS_EMAIL_TIMEOUT", 30, minimum=1)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- channels -----------------------------------------------------------------------------
# The address customers reach amends at: links in messages (tracking page, survey), QR posters.
AMENDS_PUBLIC_URL = env_str("AMENDS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# SMS: an HTTP gateway (POST JSON {to, text}, Bearer token) when set; else each text message is
# written as a file under var/sms (embedded: nothing leaves the machine).
AMENDS_SMS_GATEWAY_URL = env_str("AMENDS_SMS_GATEWAY_URL")
AMENDS_SMS_GATEWAY_TOKEN = env_secret("AMENDS_SMS_GATEWAY_TOKEN")
AMENDS_SMS_DIR = VAR_DIR / "sms"
# Delivery: tries per message before it is marked failed (with backoff between them).
AMENDS_DELIVERY_MAX_ATTEMPTS = env_int("AMENDS_DELIVERY_MAX_ATTEMPTS", 8, minimum=1)
AMENDS_DELIVERY_SECONDS = env_int("AMENDS_DELIVERY_SECONDS", 10, minimum=1)
# How often every IMAP mailbox is polled for new email (then its stored mail is processed).
AMENDS_MAIL_POLL_SECONDS = env_int("AMENDS_MAIL_POLL_SECONDS", 60, minimum=1)
# The first retry after a failed try (then doubled each time, at most an hour), and how long a
# worker's claim on a row lasts before another worker may take it (a worker killed half-way):
# longer than any transport's timeout.
AMENDS_DELIVERY_FIRST_RETRY_SECONDS = env_int("AMENDS_DELIVERY_FIRST_RETRY_SECONDS", 60, minimum=1)
AMENDS_DELIVERY_LEASE_SECONDS = env_int("AMENDS_DELIVERY_LEASE_SECONDS", 120, minimum=30)
# The address of the reverse proxy in front of `amends serve` ("*" for any): its
# X-Forwarded-For is then the client's address (rate limits count per client, not per proxy).
AMENDS_TRUSTED_PROXY = env_str("AMENDS_TRUSTED_PROXY")
# Webhooks may be sent to private, loopback and link-local addresses (an intranet CRM; tests).
AMENDS_WEBHOOK_ALLOW_PRIVATE = env_bool("AMENDS_WEBHOOK_ALLOW_PRIVATE", False)
# API: requests per minute per key.
AMENDS_API_RATE_PER_MINUTE = env_int("AMENDS_API_RATE_PER_MINUTE", 600, minimum=1)

# --- domain -------------------------------------------------------------------------------
# The monthly report is emailed to each venue's managers on the 1st at this local hour.
AMENDS_REPORT_SEND_HOUR = env_int("AMENDS_REPORT_SEND_HOUR", 8, minimum=0)
AMENDS_RETENTION_YEARS = env_int("AMENDS_RETENTION_YEARS", 3, minimum=1)
AMENDS_TICK_SECONDS = env_int("AMENDS_TICK_SECONDS", 60, minimum=5)

# --- jobs at scale (Celery) ---------------------------------------------------------------
# Broker and result backend of `amends worker` / `amends beat`, and the beat lock.
AMENDS_REDIS_URL = env_str("AMENDS_REDIS_URL", "redis://127.0.0.1:6379/0")
if not AMENDS_REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("AMENDS_REDIS_URL must be redis://…, rediss://… or unix://…")
AMENDS_DEFAULT_PHONE_REGION = env_str("AMENDS_DEFAULT_PHONE_REGION", "CN")
# Where each timeline checkpoint is also appended (JSON lines); empty: the database only. Put it
# on append-only storage outside the database's backups, so a restored database is caught.
AMENDS_CHECKPOINT_FILE = env_str("AMENDS_CHECKPOINT_FILE", "")

# --- security -----------------------------------------------------------------------------
# See "Security hardening" in docs/architecture.md.
# AMENDS_HTTPS=true: amends is reached over HTTPS only (directly or through a TLS-ending proxy):
# secure cookies, http:// redirected to https://, Strict-Transport-Security for a year. Each
# can still be set on its own by the variables below it.
AMENDS_HTTPS = env_bool("AMENDS_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool(
    "AMENDS_SECURE_COOKIES", AMENDS_HTTPS or AMENDS_ENV == "production"
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def proxy_ssl_header(name: str, raw: str) -> tuple[str, str] | None:
    """AMENDS_PROXY_SSL_HEADER: empty or false, none; true, X-Forwarded-Proto; else the name of
    the header (letters, digits, hyphens) whose value "https" marks a request that came in over
    HTTPS."""
    value = raw.strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        value = "X-Forwarded-Proto"
    if not value.replace("-", "").isalnum() or not value.isascii():
        raise ImproperlyConfigured(f"{name} must be true, false or a header name, not {raw!r}")
    return ("HTTP_" + value.upper().replace("-", "_"), "https")


# Behind a TLS-terminating proxy or load balancer: trust the header it sets to say the request
# came in over HTTPS (only when clients cannot reach amends around the proxy). "true" means
# X-Forwarded-Proto; another header can be named (e.g. X-Forwarded-Scheme).
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(
    "AMENDS_PROXY_SSL_HEADER", env_str("AMENDS_PROXY_SSL_HEADER")
)
SECURE_SSL_REDIRECT = env_bool("AMENDS_SSL_REDIRECT", AMENDS_HTTPS)
SECURE_HSTS_SECONDS = env_int(
    "AMENDS_HSTS_SECONDS", 365 * 24 * 3600 if AMENDS_HTTPS else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("AMENDS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("AMENDS_HSTS_PRELOAD", False)

# Sessions: signed out after AMENDS_SESSION_HOURS; at a shared desk terminal (the box on the
# sign-in form) when the browser closes.
SESSION_COOKIE_AGE = env_int("AMENDS_SESSION_HOURS", 12, minimum=1) * 3600

# Passwords (checked where a person chooses one: the admin's forms, `amends changepassword`).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("AMENDS_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): AMENDS_LOCKOUT_FAILURES wrong passwords for one account, or
# from one address across accounts, lock sign-in for AMENDS_LOCKOUT_MINUTES (counted from the
# last failure) or until an administrator lifts it (`amends unlock USERNAME`, the console's
# Security page, or Access attempts in the admin). The API's keys and the customers' code
# sign-in have their own limits (amends/core/ratelimit.py).
AUTHENTICATION_BACKENDS = [
    "amends.console.security_auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AMENDS_LOCKOUT_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AMENDS_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A try during the lockout (even with the right password) does not push its end further.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "amends.console.security_views.locked_out"
# The client's address is REMOTE_ADDR: `amends serve` behind AMENDS_TRUSTED_PROXY sets it from
# the proxy's X-Forwarded-For; no header a client writes is trusted here.
AXES_CLIENT_IP_CALLABLE = "amends.console.security_auth.client_ip"
AXES_VERBOSE = False

# Second factor (django-otp, TOTP): the issuer shown in the authenticator app.
OTP_TOTP_ISSUER = env_str("AMENDS_TOTP_ISSUER", "amends")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content-Security-Policy (django-csp) on every page: no inline script or style, nothing from
# another origin, never framed. The admin and the API's docs page get the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_tokens": {"()": "amends.core.logs.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("AMENDS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO; fontTools every subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes reports every sign-in at INFO; failures and lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
    },
}
