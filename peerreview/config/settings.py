"""Settings for the peer-review platform, read from the environment.

Nothing set gives a safe development setup: SQLite, background tasks run
in-process, e-mail printed to the console. Every variable is listed in
`.env.example`.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in e-mails. `make demo PORT=8001` sets it; it follows PORT when unset.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
# The network's name, on the cover of every report (page, PDF, Word).
NETWORK_NAME = env_str("NETWORK_NAME", "Procurement Peer Review Network")

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Only for migration cities 0005, which turned its plain-text recovery codes into hashed ones
    # (cities.RecoveryCodeDevice); nothing writes to its tables any more.
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_guid",
    "cities",
    "peerreview",
    "reports",
    "network",
    # The REST API and calendar feeds (app api): reads the apps below through their permissions.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    # Above every other app: listens to their signals, never imported by them.
    "auditlog",
    "audit",
    # The demo data builds on every app; nothing imports it.
    "demo",
]

MIDDLEWARE = [
    # The request id (X-Request-ID): taken from the proxy's header when it is a UUID, else new;
    # in every log line of the request, its e-mails' headers, its tasks' logs, the response.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Under /api/: every error answered by a middleware or Django itself (400, 404, 413, 500…)
    # becomes RFC 9457 problem details, like the errors of the API's own views.
    "api.middleware.ProblemDetailsMiddleware",
    # 400 for a NUL character in the path or query string (PostgreSQL refuses it in text).
    "peerreview.middleware.RejectNulMiddleware",
    # Content-Security-Policy with a per-request nonce (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Permissions-Policy; Cache-Control: no-store for signed-in pages and downloads.
    "peerreview.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "cities.middleware.UserLanguageMiddleware",
    # Refuses oversized bodies from Content-Length, in the user's language, before the CSRF
    # check (a process_view) reads the body.
    "peerreview.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out after SESSION_IDLE_TIMEOUT_MINUTES without a request, or SESSION_MAX_AGE_HOURS after login.
    "cities.middleware.SessionTimeoutMiddleware",
    # A person with an authenticator enters a code before anything else; one who must have MFA sets it up.
    "cities.middleware.MfaMiddleware",
    # Records who made each change in the edit history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # The audit trail: who made each change (django-auditlog), and every refusal (403).
    "auditlog.middleware.AuditlogMiddleware",
    "audit.middleware.ForbiddenAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes: refuses logins to a locked account (keep it last).
    "axes.middleware.AxesMiddleware",
]

# The audit trail (app `audit`): django-auditlog writes its change rows into our table.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
# django-auditlog's own table is swapped out for ours: skip its migrations, so no unused table
# (with a foreign key to users) is created.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_REMOTE_ADDR = False
CSRF_FAILURE_VIEW = "audit.views.csrf_failure"

ROOT_URLCONF = "peerreview.config.urls"
WSGI_APPLICATION = "peerreview.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# A connection kept between requests (DATABASE_CONN_MAX_AGE seconds; the compose file sets 60)
# saves opening one per request, and its PostgreSQL backend keeps its catalogue caches: a fresh
# backend made the editor and the report page 8-20 ms slower (bench/_db.py). A kept connection is
# checked before a request uses it, so a restarted database costs no failed request.
_conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 0)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=_conn_max_age,
        conn_health_checks=_conn_max_age > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query whose estimate passes 100,000, and a page's queries are
    # short: at EU scale the panel page's ranking of 20,000 evaluators ran in 0.2 s and spent 7.7 s
    # compiling (EXPLAIN ANALYZE, bench/sweep.py). Off for the platform's own connections, unless
    # DATABASE_JIT=1 (a reporting replica, say).
    if not env_bool("DATABASE_JIT", False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's cache: Redis when CACHE_URL is set (one cache for every web and worker process; the
# compose file sets it), else memory in each process. Nothing in the code relies on it today:
# whatever must be the same in every process lives in PostgreSQL or the broker's Redis.
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "cities.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks the lockout before the model backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "peerreview:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Accounts. A password-reset link works once and for this many minutes; an invitation link
# (set your own password) once and for this many days.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60
INVITATION_TIMEOUT_DAYS = env_int("INVITATION_TIMEOUT_DAYS", 7)
# An evaluator invited to a panel answers within this many days unless the coordinator sets a date.
INVITATION_RESPONSE_DAYS = env_int("INVITATION_RESPONSE_DAYS", 7)
# Lockout (django-axes): this many wrong passwords in a row lock the account for AXES_COOLOFF_MINUTES;
# a coordinator can unlock it earlier (back office: People → "Unlock"), and so does a password reset.
# Counted per account, not per address, so that a city office behind one address is never locked out.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" in the lockout parameters because counting by user agent or cookie
# can be dodged; counting by account cannot (the attacker must name the account), and an address-wide
# lock would shut out a whole city office behind one NAT address after five typos by different people.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (axes would guess "email", the USERNAME_FIELD)
AXES_USERNAME_CALLABLE = "cities.accounts.axes_username"
AXES_LOCKOUT_CALLABLE = "cities.account_views.locked_out"
AXES_RESET_ON_SUCCESS = True
# axes would also keep every successful login (address, IP, browser) for ever; the audit trail
# already records sign-ins, so axes keeps only what the lockout needs (see the privacy notice).
AXES_DISABLE_ACCESS_LOG = True
# Two-factor authentication (an authenticator app, TOTP, plus single-use recovery codes; django-otp).
# Required for coordinators and anyone with back-office access when on: on by default when DEBUG is
# off, off in the demo so that the demo accounts log in with their password alone. Optional for others.
MFA_REQUIRED_FOR_COORDINATORS = env_bool("MFA_REQUIRED_FOR_COORDINATORS", default=not DEBUG)
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Procurement peer review")
# django-otp's device pages are not in the back office at all (cities/admin.py); should they come
# back, they hide the authenticator's secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Sessions: signed out after this many minutes without a request, and at the latest this many hours
# after logging in (the session cookie lives no longer either).
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_MAX_AGE_HOURS = env_int("SESSION_MAX_AGE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fi", _("Finnish")), ("sv", _("Swedish"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "fi", "sv")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates and times as written in Europe ("12 November 2026", 24-hour clock):
# peerreview/formats/en/formats.py. Finnish and Swedish use Django's native formats.
FORMAT_MODULE_PATH = ["peerreview.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence and report PDFs: local files under MEDIA_ROOT, or any S3-compatible object store
# (AWS S3, MinIO, Ceph, a cloud provider's) through django-storages when STORAGE_BUCKET is set.
# Either way files leave only through the access-checked download views (no public URLs).
STORAGE_BUCKET = env_str("STORAGE_BUCKET")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": STORAGE_BUCKET,
                "endpoint_url": env_str("STORAGE_ENDPOINT_URL") or None,
                "region_name": env_str("STORAGE_REGION") or None,
                "access_key": env_str("STORAGE_ACCESS_KEY_ID") or None,
                "secret_key": env_str("STORAGE_SECRET_ACCESS_KEY") or None,
                # A folder inside the bucket, for a bucket shared with other data.
                "location": env_str("STORAGE_PREFIX"),
                # "path" for most self-hosted stores (MinIO), "virtual" for AWS.
                "addressing_style": env_str("STORAGE_ADDRESSING_STYLE", "path"),
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if STORAGE_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Backups to an S3-compatible bucket (`manage.py backup --to s3://bucket/prefix`): where the store
# is and the keys to it. Keep backups in another bucket, with other keys, than the files above.
BACKUP_S3 = {
    "endpoint_url": env_str("BACKUP_S3_ENDPOINT_URL"),
    "region_name": env_str("BACKUP_S3_REGION"),
    "access_key": env_str("BACKUP_S3_ACCESS_KEY_ID"),
    "secret_key": env_str("BACKUP_S3_SECRET_ACCESS_KEY"),
    # "path" for most self-hosted stores (MinIO), "virtual" for AWS.
    "addressing_style": env_str("BACKUP_S3_ADDRESSING_STYLE", "path"),
}

# Uploads: evidence files are checked by type and size in cities-independent validators.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Evidence a round may store in all (its pre-report's files together).
EVIDENCE_ROUND_QUOTA_BYTES = env_int("EVIDENCE_ROUND_QUOTA_BYTES", 200 * 1024 * 1024)
# A request body larger than this is refused from its Content-Length, before it is read:
# one evidence file and the form around it.
UPLOAD_MAX_REQUEST_BYTES = EVIDENCE_MAX_BYTES + 1024 * 1024
# Office documents (zip packages) are unpacked within these limits (zip bombs).
OFFICE_MAX_UNPACKED_BYTES = env_int("OFFICE_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
OFFICE_MAX_COMPRESSION_RATIO = 100
OFFICE_MAX_ENTRIES = 1000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Django's renderer, with the plain widgets' templates in Python (the editing pages render hundreds).
FORM_RENDERER = "peerreview.forms.renderer.FastWidgetRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peer-review@example.eu")
# Where people report accessibility problems (shown on the accessibility statement, /accessibility/).
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", "accessibility@example.eu")
# Where people exercise their data-protection rights (shown on the privacy notice, /privacy/).
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "privacy@example.eu")

# Celery: no broker configured means tasks run in-process (development default).
# Without a broker, kombu would still resolve a default AMQP host (and warn "No hostname was
# supplied" on every send): the in-memory transport keeps it quiet and never leaves the process.
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://localhost//"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The periodic jobs, defined here in code. Beat's DatabaseScheduler writes these entries
# into django-celery-beat's tables when it starts (and corrects them if edited in the admin),
# so the database schedule always matches this dict. Times are in TIME_ZONE.
# Repeat rounds are checked hourly (at :15); REPEAT_ROUND_CHECK_MINUTES=N checks every N minutes.
REPEAT_ROUND_CHECK_MINUTES = env_int("REPEAT_ROUND_CHECK_MINUTES", 0)
# A notification left "sending" this long (the worker died mid-send) is sent once more by a sweep.
NOTIFICATION_STUCK_MINUTES = env_int("NOTIFICATION_STUCK_MINUTES", 15)
# /readyz: the worker's heartbeat (a job beat sends every minute) must be younger than this.
WORKER_HEARTBEAT_MAX_AGE_MINUTES = env_int("WORKER_HEARTBEAT_MAX_AGE_MINUTES", 5)
# How often the digest of new comments and mentions goes out (minutes, 1–59).
DISCUSSION_DIGEST_MINUTES = min(max(env_int("DISCUSSION_DIGEST_MINUTES", 30), 1), 59)
# A notification still "pending" this long (the broker was down when it was made) is enqueued again.
NOTIFICATION_PENDING_MINUTES = env_int("NOTIFICATION_PENDING_MINUTES", 10)
# A report PDF whose render failed is tried again after PDF_RETRY_FIRST_MINUTES, doubling each
# time up to PDF_RETRY_MAX_MINUTES; the coordinators are told at the first failure.
PDF_RETRY_FIRST_MINUTES = env_int("PDF_RETRY_FIRST_MINUTES", 5)
PDF_RETRY_MAX_MINUTES = env_int("PDF_RETRY_MAX_MINUTES", 360)
# The network: a city sees its scores against the network's distribution only where at least
# this many published rounds of other cities contribute (never fewer: single scores must not show).
BENCHMARK_MIN_ROUNDS = max(env_int("BENCHMARK_MIN_ROUNDS", 5), 3)
# The programme synthesis PDF prints the heatmap of at most this many rounds (the XLSX has them all).
SYNTHESIS_PDF_HEATMAP_ROUNDS = env_int("SYNTHESIS_PDF_HEATMAP_ROUNDS", 300)
# A coordinator's all-rounds XLSX (made by the worker) is served this long after it was made;
# the next ask after that makes a new one from the data as it is then (reports.export_files).
EXPORT_FILE_MAX_AGE_MINUTES = max(env_int("EXPORT_FILE_MAX_AGE_MINUTES", 10), 1)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "peerreview.jobs.heartbeat", "schedule": 60.0},
    "open-due-repeat-rounds": {
        "task": "reports.jobs.open_due_repeat_rounds",
        "schedule": (
            crontab(minute=f"*/{REPEAT_ROUND_CHECK_MINUTES}")
            if REPEAT_ROUND_CHECK_MINUTES > 0
            else crontab(minute=15, hour="*")
        ),
    },
    "send-reminders": {"task": "peerreview.jobs.send_reminders", "schedule": crontab(minute=0, hour=7)},
    "anonymise-old-interviewees": {
        "task": "peerreview.jobs.anonymise_old_interviewees",
        "schedule": crontab(minute=30, hour=3),
    },
    # After the interviewee retention above: published PDFs that may still show a removed name
    # (consent withdrawn, interviewees anonymised, a person erased) are made again without it.
    "remove-names-from-published-pdfs": {
        "task": "reports.jobs.remove_names_from_published_pdfs",
        "schedule": crontab(minute=45, hour=3),
    },
    "retry-stuck-notifications": {
        "task": "peerreview.jobs.retry_stuck_sends",
        "schedule": crontab(minute="*/5"),
    },
    # Panel discussion and factual-check comments: one digest e-mail per person, not one per comment.
    "send-discussion-digests": {
        "task": "reports.jobs.send_discussion_digests",
        "schedule": crontab(minute=f"*/{DISCUSSION_DIGEST_MINUTES}"),
    },
    "retry-failed-report-pdfs": {
        "task": "reports.jobs.retry_failed_pdfs",
        "schedule": crontab(minute="*/5"),
    },
    "count-expired-evaluator-loads": {
        "task": "peerreview.jobs.count_expired_evaluator_loads",
        "schedule": crontab(minute=20),
    },
}

# Reminders: days before a due date, and days overdue before the coordinators are alerted.
REMINDER_DAYS_BEFORE = [int(days) for days in env_list("REMINDER_DAYS_BEFORE", "7,1")]
REMINDER_ESCALATE_AFTER_DAYS = env_int("REMINDER_ESCALATE_AFTER_DAYS", 3)
# Interviewees' names and contact data are erased this many days after publication.
INTERVIEWEE_RETENTION_DAYS = env_int("INTERVIEWEE_RETENTION_DAYS", 180)

# Security defaults for deployments (DEBUG off).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks come from inside the deployment over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): only our own scripts, styles, images and fonts; no inline
# script, style attribute or event handler anywhere (JavaScript lives in static/js/). Scripts
# carry the request's nonce (`nonce="{{ request.csp_nonce }}"`). Bootstrap's CSS draws a few
# icons as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs: one JSON object per line (LOG_FORMAT=json, the default when DEBUG is off) or plain text,
# each with the request id of the request or task it belongs to (django-guid; Celery tasks get
# their request's id through a task header, see peerreview/config/celery.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}

# The REST API (/api/v1/, app api). Personal API tokens (Authorization: Bearer …) or the
# browser's session (the documentation page); every error is RFC 9457 problem details.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)
# Requests per token (or per signed-in person, or per address without either), DRF's rate syntax.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1000/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Procurement peer review API",
    "DESCRIPTION": (
        "Read the network's data with the same rights as in the web app: rounds, published reports, "
        "action proposals and their progress, indicator values, agreed scores, your invitations and tasks. "
        "Authenticate with a personal API token (My account → API tokens): "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoundStateEnum": "peerreview.models.rounds.RoundState",
        "ProgressStatusEnum": "reports.models.ActionProgress.Status",
        "InvitationStateEnum": "peerreview.models.panel.Assignment.State",
        "PublicationLevelEnum": "reports.models.PublicationLevel",
        "PanelRoleEnum": "peerreview.models.panel.Assignment.Role",
        "TaskRoleEnum": "api.serializers.TASK_ROLES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO and a font-subsetting warning per font;
    # django-guid logs each id it sets at INFO.
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
    },
}

# Error reports to Sentry (or a compatible service) when SENTRY_DSN is set; nothing otherwise.
# No personal data is sent (send_default_pii off); each event carries the request id as a tag.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def _sentry_request_id(event: dict, hint: dict) -> dict:
        from django_guid import get_guid

        if request_id := get_guid():
            event.setdefault("tags", {})["request_id"] = request_id
        return event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE") or None,
        traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
        before_send=_sentry_request_id,
    )
