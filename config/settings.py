"""Settings for paperdigest.

Every value comes from the environment with a safe local default; README's
"Configuration" table lists each variable. Production (DJANGO_ENV=production)
refuses to start without the values that must never fall back to defaults.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    missing = [
        name
        for name, value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production requires {', '.join(missing)} to be set in the environment.")
    DEBUG = False
else:
    # A development key is fine locally; it never signs anything in production.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    DEBUG = env_bool("DJANGO_DEBUG", True)

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_q",
    "axes",
    "papers",
    "digests",
    "subscriptions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, whose key ignores Accept-Encoding: the cache keeps
    # the plain body and its gzip form, so only pages rendered now are compressed here.
    # After WhiteNoise, which serves its own precompressed static files.
    "config.middleware.PublicGZipMiddleware",
    # Outside the page cache too: 304s for cached and rendered pages alike.
    "django.middleware.http.ConditionalGetMiddleware",
    # Cached public pages for anonymous readers are answered here, before the
    # session, auth and CSRF middleware they do not need (digests/http.py).
    "digests.http.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database -------------------------------------------------------------
# SQLite by default. WAL lets the web process read while a worker writes;
# IMMEDIATE transactions take the write lock up front so two writers queue on
# the busy timeout instead of failing with "database is locked" mid-transaction.
SQLITE_PATH = Path(env("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")))
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": env_int("SQLITE_TIMEOUT", 30),
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:, so a django-q2 cluster started by a test
            # sees the same database as the test.
            "TEST": {"NAME": str(SQLITE_PATH.with_name("test_" + SQLITE_PATH.name))},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
CACHE_URL = env("CACHE_URL")
if CACHE_URL.startswith("redis://") or CACHE_URL.startswith("rediss://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Seconds a public page or feed stays in the page cache (0 = no page cache);
# publishing or editing bumps a version so changes show at once regardless.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 600)

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Failed admin logins are rate-limited by django-axes: its backend refuses a
# locked-out username+IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 1.0)  # hours until a lockout lifts
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Serve MEDIA_URL from Django itself (fine for one machine); turn off when a
# web server, CDN or object storage (MEDIA_STORAGE_BACKEND) serves media.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    # PDFs and figures go through Django's storage API, so object storage is a
    # settings change: e.g. MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
    # with MEDIA_STORAGE_OPTIONS='{"bucket_name": "...", "endpoint_url": "..."}'.
    "default": {
        "BACKEND": env("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env("MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Public base URL used for absolute links outside a request (feeds built by
# tasks, exported Markdown).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Email ------------------------------------------------------------------
# Locally mails are written as files under var/mail/ so nothing leaves the
# machine; production sends through SMTP, or any provider through
# django-anymail (e.g. EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend with
# ANYMAIL='{"MAILGUN_API_KEY": "…", "MAILGUN_SENDER_DOMAIN": "…"}').
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail")))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "paperdigest <digest@localhost>")
ANYMAIL = json.loads(env("ANYMAIL", "{}"))

# --- Subscriptions (email digests and chat pushes) ------------------------
SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS = env_float("SUBSCRIPTIONS_CONFIRM_MAX_AGE_HOURS", 48.0)
# Mails per minute per sending worker; a provider's limit or a warm-up plan sets it.
SUBSCRIPTIONS_SEND_PER_MINUTE = env_float("SUBSCRIPTIONS_SEND_PER_MINUTE", 60.0)
SUBSCRIPTIONS_MAX_ATTEMPTS = env_int("SUBSCRIPTIONS_MAX_ATTEMPTS", 5)
SUBSCRIPTIONS_RETRY_MINUTES = env_float("SUBSCRIPTIONS_RETRY_MINUTES", 10.0)
SUBSCRIPTIONS_SWEEP_MINUTES = env_int("SUBSCRIPTIONS_SWEEP_MINUTES", 1)
# A digest that went live longer ago than this is never mailed (e.g. the archive when the app is first deployed).
SUBSCRIPTIONS_MAX_AGE_HOURS = env_float("SUBSCRIPTIONS_MAX_AGE_HOURS", 48.0)
SUBSCRIPTIONS_RATE_PER_IP = env_int("SUBSCRIPTIONS_RATE_PER_IP", 20)
SUBSCRIPTIONS_RATE_PER_ADDRESS = env_int("SUBSCRIPTIONS_RATE_PER_ADDRESS", 3)
SUBSCRIPTIONS_RATE_WINDOW_SECONDS = env_int("SUBSCRIPTIONS_RATE_WINDOW_SECONDS", 3600)
SUBSCRIPTIONS_UNSUBSCRIBE_MAILTO = env("SUBSCRIPTIONS_UNSUBSCRIBE_MAILTO")
SUBSCRIPTIONS_PUSH_TOP_PAPERS = env_int("SUBSCRIPTIONS_PUSH_TOP_PAPERS", 5)

# --- Security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- arXiv ----------------------------------------------------------------
ARXIV_API_URL = env("ARXIV_API_URL", "https://export.arxiv.org/api/query")
# arXiv asks for at most one API request every 3 seconds; this pace is shared
# by every process through the database (papers.services.ratelimit).
ARXIV_API_DELAY_SECONDS = env_float("ARXIV_API_DELAY_SECONDS", 3.0)
ARXIV_PDF_DELAY_SECONDS = env_float("ARXIV_PDF_DELAY_SECONDS", 1.0)
ARXIV_PAGE_SIZE = env_int("ARXIV_PAGE_SIZE", 100)
ARXIV_NUM_RETRIES = env_int("ARXIV_NUM_RETRIES", 3)
ARXIV_RETRY_BACKOFF_SECONDS = env_float("ARXIV_RETRY_BACKOFF_SECONDS", 5.0)
ARXIV_TIMEOUT_SECONDS = env_float("ARXIV_TIMEOUT_SECONDS", 30.0)
# Daily ingest time (UTC, HH:MM) used by `manage.py setup_schedules`; arXiv announces ~20:00 US Eastern.
INGEST_SCHEDULE_UTC = env("INGEST_SCHEDULE_UTC", "01:30")

# --- PDFs -----------------------------------------------------------------
PDF_MAX_BYTES = env_int("PDF_MAX_BYTES", 50 * 1024 * 1024)
PDF_TIMEOUT_SECONDS = env_float("PDF_TIMEOUT_SECONDS", 60.0)
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 60)

# --- Summaries ------------------------------------------------------------
DIGEST_LLM = env("DIGEST_LLM", "extractive")
DIGEST_LLM_MODEL = env("DIGEST_LLM_MODEL", "gpt-4o-mini")
OPENAI_BASE_URL = env("OPENAI_BASE_URL")
OPENAI_API_KEY = env("OPENAI_API_KEY")
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 120.0)
# Retries of one request by the openai client itself (408/409/429/5xx, timeouts, dropped connections).
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 3)
LLM_CONCURRENCY = env_int("LLM_CONCURRENCY", 8)
LLM_REQUESTS_PER_MINUTE = env_int("LLM_REQUESTS_PER_MINUTE", 60)
# Related papers: an OpenAI-compatible /embeddings model (at OPENAI_BASE_URL); empty = full-text ranking.
RELATED_EMBEDDINGS_MODEL = env("RELATED_EMBEDDINGS_MODEL", "")
# Papers per pipeline task. A task streams its batch (downloads while the model
# answers), so only its last few papers wait on the model alone: a batch several
# times LLM_CONCURRENCY keeps that tail short (bench/day.py: 4x took 1.40x the
# slowest resource's bound, 8x 1.19x). A task past half its Q_TIMEOUT queues the
# rest of its batch anew.
PIPELINE_BATCH_SIZE = env_int("PIPELINE_BATCH_SIZE", 8 * LLM_CONCURRENCY)
# A task rebuilds its papers' digests (a draft fills in) at most this often while it runs, and at its end.
PIPELINE_PROGRESS_SECONDS = env_float("PIPELINE_PROGRESS_SECONDS", 60.0)
LLM_INPUT_TOKEN_BUDGET = env_int("LLM_INPUT_TOKEN_BUDGET", 12000)
# Per-model input budgets, "model=tokens,model=tokens"; other models use LLM_INPUT_TOKEN_BUDGET.
LLM_INPUT_TOKEN_BUDGETS = {
    name.strip(): int(tokens)
    for name, _, tokens in (item.partition("=") for item in env_list("LLM_INPUT_TOKEN_BUDGETS"))
}

# --- Background tasks (django-q2) -----------------------------------------
# Bounded retries: django-q2 retries a failed task forever unless told not to.
Q_TIMEOUT = env_int("Q_TIMEOUT", 600)
# Minutes between sweeps that re-queue papers whose task was lost (Redis never re-delivers).
PIPELINE_RESUME_MINUTES = env_int("PIPELINE_RESUME_MINUTES", 5)
Q_BROKER_URL = env("Q_BROKER_URL")
Q_CLUSTER = {
    "name": env("Q_CLUSTER_NAME", "paperdigest"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": Q_TIMEOUT,
    "retry": env_int("Q_RETRY", Q_TIMEOUT + 60),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 3),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": env_int("Q_SAVE_LIMIT", 1000),
    "poll": env_float("Q_POLL", 1.0),
    "label": "Background tasks",
}
if Q_BROKER_URL.startswith("redis://") or Q_BROKER_URL.startswith("rediss://"):
    Q_CLUSTER["redis"] = Q_BROKER_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "paperdigest": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO"), "propagate": False},
    },
}
