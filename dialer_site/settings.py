"""Settings read from the environment (12-factor), with safe development defaults.

Every value that differs between a laptop and production comes from an environment
variable; README.md ("Configuration") lists them all.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.management.commands.runserver import Command as RunServer

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# The development key is public on purpose: it can never validate a production
# session, because production must set SECRET_KEY (checked below).
_DEV_SECRET_KEY = "django-insecure-dev-only-dialer-studio-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# This site's address as browsers and providers reach it. The default is where `make
# run` serves: Django's development server at its own default address, on PORT if
# set. The demo's provider accounts (the sandbox under /sandbox/), webhook addresses
# of campaigns that recorded none, and campaign_run build their URLs on it.
SITE_URL = env.str(
    "SITE_URL",
    default=f"http://{RunServer.default_addr}:{env.str('PORT', default=RunServer.default_port)}",
)

# The provider emulators under /sandbox/ accept calls from anyone who can reach them, so
# a production site serves them only when asked to (a staging site may).
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)

# Fernet keys (urlsafe base64, 32 bytes) that encrypt provider credentials at rest.
# The first key encrypts; every key decrypts, so a new key can be put in front and the
# old ones retired after `manage.py rotate_credentials`.
_DEV_CREDENTIALS_KEY = "ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyYnl0ZXM="
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEY", default=[_DEV_CREDENTIALS_KEY] if DEBUG else [])
if not CREDENTIALS_KEYS:
    raise environ.ImproperlyConfigured("CREDENTIALS_KEY must be set when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "dialer_site",
    "flows",
    "phonelists",
    "campaigns",
    "sandbox",
]

MIDDLEWARE = [
    # First, so a database that is down or read-only under any middleware is a 503.
    "dialer_site.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dialer_site.middleware.LoginRequiredExceptApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dialer_site.urls"
WSGI_APPLICATION = "dialer_site.wsgi.application"
ASGI_APPLICATION = "dialer_site.asgi.application"

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
                "dialer_site.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dialer.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the busy timeout makes
    # the two processes wait for each other instead of failing with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Keep connections between requests: opening one costs more than a small request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in protection (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES, counted
# again from each further try. Other users at that address, and that user elsewhere,
# still sign in. An admin unlocks early (README, "Sign-in protection").
AUTHENTICATION_BACKENDS = [
    # First, so a locked pair is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dialer_site.authentication.sign_in_locked"
AXES_CLIENT_IP_CALLABLE = "dialer_site.throttling.client_address"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("he", "עברית"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jerusalem")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work goes through the Django tasks API. The database backend is the
# default (worker: `manage.py db_worker`); TASKS_BACKEND can name another backend,
# for example django_tasks.backends.immediate.ImmediateBackend in a quick script.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Tuning of campaign dispatch and phone-list imports. The defaults live beside the
# code that reads each one (campaigns.dispatch, campaigns.tasks, phonelists.limits);
# an environment variable of the same name overrides it.
_TUNING = {
    "CAMPAIGN_PARALLEL_REQUESTS": int,
    "CAMPAIGN_CALLS_PER_REQUEST": int,
    "CAMPAIGN_DISPATCH_SLOTS": int,
    "CAMPAIGN_DISPATCH_SLICE_SECONDS": float,
    "CAMPAIGN_LEASE_MARGIN_SECONDS": float,
    "PHONELIST_MAX_UPLOAD_BYTES": int,
    "PHONELIST_MAX_UNCOMPRESSED_BYTES": int,
    "PHONELIST_MAX_COMPRESSION_RATIO": int,
    "PHONELIST_RATIO_FLOOR_BYTES": int,
    "PHONELIST_MAX_ROWS": int,
    "PHONELIST_MAX_LINE_LENGTH": int,
    "PHONELIST_MAX_COLUMNS": int,
    "PHONELIST_PARALLEL_MIN_BYTES": int,
    # Recovery of work whose worker died (dialer_site.recovery, phonelists.services).
    "RECOVERY_INTERVAL_SECONDS": float,
    "PHONELIST_IMPORT_LEASE_SECONDS": float,
    "CAMPAIGN_CDR_LEASE_SECONDS": float,
    "SANDBOX_SWEEP_LEASE_SECONDS": float,
    "TASK_LEASE_SECONDS": float,
}
globals().update({name: env.get_value(name, cast) for name, cast in _TUNING.items() if name in env})

# API request rates, each "<count>/<second|minute|hour|day>" (dialer_site.throttling):
# callers not signed in, per address; signed-in callers, per user; failed tokens, per
# address; provider connection tests (each calls the provider), per user, pages too.
API_ANON_RATE = env.str("API_ANON_RATE", default="30/minute")
API_USER_RATE = env.str("API_USER_RATE", default="600/minute")
API_TOKEN_FAILURE_RATE = env.str("API_TOKEN_FAILURE_RATE", default="10/minute")
TEST_CONNECTION_RATE = env.str("TEST_CONNECTION_RATE", default="6/minute")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing or bad token a 401
        # (session authentication has none, and DRF would answer 403).
        "dialer_site.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "dialer_site.throttling.AnonRateThrottle",
        "dialer_site.throttling.UserRateThrottle",
    ],
    # How many reverse proxies in front add to X-Forwarded-For: throttles and sign-in
    # lock-outs count callers by the address the first of them saw; 0 uses REMOTE_ADDR.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_PERMISSION_CLASSES": ["dialer_site.permissions.ModelPermissions"],
    # drf-spectacular's, documenting the 400/401/403/404/415 answers too.
    "DEFAULT_SCHEMA_CLASS": "dialer_site.schema.ErrorDocumentingAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "dialer_site.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    # JSON nested past dialer_site.jsonlimits.MAX_JSON_DEPTH is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "dialer_site.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "dialer_site.exception_handlers.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dialer Studio API",
    "DESCRIPTION": (
        "Design IVR flows, compile them for Paycall, Phonon and iovox, "
        "upload phone lists and run campaigns. Authenticate with a session or with "
        "`Authorization: Token <key>` (create keys with `manage.py drf_create_token`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Production hardening: on whenever DEBUG is off; each can still be overridden.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Trusting a proxy's header is only safe behind a proxy that always sets it, so it is
# off unless named: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise environ.ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER is a header and a value, e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Every script and style comes from this site's static files: no inline code, so an
# injected <script> or on*= attribute does not run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Webhook URLs carry a campaign's secret token: request and access lines must not.
    "filters": {"redact_webhook_tokens": {"()": "dialer_site.logging.RedactWebhookTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # Django's own format for runserver's access lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_webhook_tokens"]},
        # Redefined whole (handler, level, no propagation, as Django's default) to add
        # the filter: configuring a logger replaces its handlers.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_webhook_tokens"],
        },
    },
}
