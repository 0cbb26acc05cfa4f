"""Settings, every one read from the environment (or an optional `.env`) with safe development defaults.

Production mode (`DEBUG=False`) refuses to start with a missing or weak `SECRET_KEY` or an empty
`ALLOWED_HOSTS`; see `README.md` for every variable.
"""

from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not DEBUG:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this console is served on.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_countries",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "health_check",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "compliance",
    "organizations",
    "partners",
    "billing",
    "tokens",
    "newsletter",
    "console",
]

MIDDLEWARE = [
    "console.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the cookie, else the browser's Accept-Language; after the session, before anything
    # that renders. The account's own language, once the user is known, follows authentication.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organizations.languages.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.AuditContextMiddleware",
    "core.middleware.RefuseNullCharactersMiddleware",
    "core.session_limits.SessionLimitsMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
ASGI_APPLICATION = "console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.console",
                "compliance.context_processors.cookie_consent",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for long analytical queries, not a page's; sorting Managed Clients by
    # product count at 20,000 clients spent 80 ms compiling a 50 ms query.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production: opening one per request (SQLite reads its schema again each time)
# costs more than a cached page. The development server starts a thread per request, so not there.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches and rate limits live in a store every app server and worker shares: Redis with
# CACHE_URL=redis://127.0.0.1:6379/1, else tables of the database (`manage.py createcachetable`).
# Rate limits (sign-in, password re-entry, exports, API throttling) count in a cache of their own, so that no
# other entry can evict a counter: the same Redis under another prefix, or a table of its own.
# CACHE_KEY_PREFIX keeps the keys of deployments that share one Redis apart.
LIMITS_CACHE_MAX_ENTRIES = 1_000_000
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="")
CACHES = {"default": {**env.cache("CACHE_URL", default="dbcache://cache"), "KEY_PREFIX": CACHE_KEY_PREFIX}}
if env.str("LIMITS_CACHE_URL", default=""):
    CACHES["limits"] = {**env.cache("LIMITS_CACHE_URL"), "KEY_PREFIX": CACHE_KEY_PREFIX}
elif CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CACHES["limits"] = {**CACHES["default"], "LOCATION": "rate_limits", "OPTIONS": {}}
else:
    CACHES["limits"] = {**CACHES["default"], "KEY_PREFIX": f"{CACHE_KEY_PREFIX}limits"}
if CACHES["limits"]["BACKEND"].endswith(("LocMemCache", "DatabaseCache")):  # cull at 300 entries by default
    CACHES["limits"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", LIMITS_CACHE_MAX_ENTRIES)
RATELIMIT_USE_CACHE = "limits"
# A session ends after this long without a request, and in any case this long after signing in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Failed sign-ins allowed per account from one IP address, and per IP address whatever the account.
SIGN_IN_RATE_ACCOUNT_IP = env.str("SIGN_IN_RATE_ACCOUNT_IP", default="5/15m")
SIGN_IN_RATE_IP = env.str("SIGN_IN_RATE_IP", default="50/15m")
ACTIVITY_EXPORT_RATE = env.str("ACTIVITY_EXPORT_RATE", default="10/m")
DPA_VERIFY_RATE = env.str("DPA_VERIFY_RATE", default="30/m")

AUTH_USER_MODEL = "organizations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The console speaks these languages, each named in itself in the language menus. The language of a request
# is the account's, else the cookie's (the menu on the sign-in page), else the browser's; URLs carry none.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English writes short dates the ISO way (2026-03-31); French, German and Italian keep Django's formats.
FORMAT_MODULE_PATH = ["console.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Zurich")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: without EMAIL_URL every message lands in the simulated mailbox page (/mailbox/).
MAILBOX_BACKEND = "console.mailbox.MailboxBackend"
if env.str("EMAIL_URL", default=""):
    _smtp = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": _smtp["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _smtp.get("EMAIL_HOST"),
                "port": _smtp.get("EMAIL_PORT"),
                "username": _smtp.get("EMAIL_HOST_USER"),
                "password": _smtp.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _smtp.get("EMAIL_USE_TLS", False),
                "use_ssl": _smtp.get("EMAIL_USE_SSL", False),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": MAILBOX_BACKEND}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Manager <no-reply@manager.localhost>")
# `make run` serves on PORT: the links in emails point there unless SITE_URL names the public address.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")

# Partner program: invitation links expire; new partner profiles start with these rates.
PARTNER_INVITATION_MAX_AGE_DAYS = env.int("PARTNER_INVITATION_MAX_AGE_DAYS", default=14)
PARTNER_DEFAULT_RESELLER_DISCOUNT = Decimal(env.str("PARTNER_DEFAULT_RESELLER_DISCOUNT", default="0.15"))
PARTNER_DEFAULT_CASHBACK_RATE = Decimal(env.str("PARTNER_DEFAULT_CASHBACK_RATE", default="0.10"))
# Cashback payout requests are emailed to these addresses; when empty, to every active staff user.
PAYOUT_STAFF_EMAILS = env.list("PAYOUT_STAFF_EMAILS", default=[])

# Sensitive actions (creating an API token, stopping a collaboration, Full access, who pays) ask for the
# password again once this many seconds have passed since it was last confirmed.
SUDO_WINDOW = env.int("SUDO_WINDOW", default=300)
# Two-factor sign-in: the name authenticator apps show, how long the step after the password may wait, the
# number of recovery codes. Passkeys are bound to WEBAUTHN_RP_ID (empty: the host the browser asked for).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Manager")
TWO_FACTOR_SIGN_IN_TIMEOUT = env.int("TWO_FACTOR_SIGN_IN_TIMEOUT", default=300)
TWO_FACTOR_RECOVERY_CODES = 10
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="")
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Manager")
# API tokens unused for this many days are disabled.
API_TOKEN_IDLE_DAYS = env.int("API_TOKEN_IDLE_DAYS", default=365)

# Billing: the platform sells from SELLER_COUNTRY; these details are printed on every invoice.
SELLER = {
    "name": env.str("SELLER_NAME", default="Manager Hosting SA"),
    "street": env.str("SELLER_STREET", default="Rue du Rhône 1"),
    "postal_code": env.str("SELLER_POSTAL_CODE", default="1204"),
    "city": env.str("SELLER_CITY", default="Genève"),
    "country": env.str("SELLER_COUNTRY", default="CH"),
    "vat_number": env.str("SELLER_VAT_NUMBER", default="CHE-116.281.710 MWST"),
    "email": env.str("SELLER_EMAIL", default="billing@manager.localhost"),
}

# Legal pages: where people write about their personal data, and where reports of wrongdoing are received.
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="privacy@manager.localhost")
WHISTLEBLOWING_EMAIL = env.str("WHISTLEBLOWING_EMAIL", default="whistleblowing@manager.localhost")

# Background work (emails, large exports, periodic jobs) waits in a queue in the database and runs in
# `manage.py run_worker` processes (`make run` starts one beside the web server), on any machine.
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# A worker writes a heartbeat this often; a task whose worker has been silent this long is queued again, and
# after this many attempts it fails for good.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=5)
WORKER_LOST_AFTER_SECONDS = env.int("WORKER_LOST_AFTER_SECONDS", default=30)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=5)
# The jobs the workers run on a schedule (each is enqueued once per period, whichever worker sees it first).
PERIODIC_TASKS = {
    "renewals": ("billing.tasks.run_renewals", env.int("RENEWALS_EVERY_SECONDS", default=3600)),
    "invitation-expiry": ("partners.tasks.expire_invitations", 3600),
    # Time-limited partner access: record what ended, remind 30, 7 and 1 days before (access itself ends at
    # its moment, read at each request).
    "partner-access-endings": ("partners.tasks.end_time_limited_access", 900),
    "export-cleanup": ("billing.tasks.delete_expired_billing_exports", 3600),
    "partner-statements": ("billing.tasks.produce_partner_statements", 24 * 3600),
    "idle-tokens": ("tokens.tasks.disable_idle_tokens", 24 * 3600),
    "queue-records": ("console.tasks.prune_queue_records", 24 * 3600),
}
# An email that the SMTP server refuses is tried again after 1, 4, 16, … minutes, this many times in all.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=6)
# /health/ reports the queue unhealthy when a task has waited this long for a worker.
QUEUE_MAX_WAIT_SECONDS = env.int("QUEUE_MAX_WAIT_SECONDS", default=300)
# Prometheus scrapes /metrics from these addresses only.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])

# Billing-history export of managed clients: above this many rows it is prepared in the background, the file
# is kept this long for the user who asked for it, and a user may export this often (web and API together).
BILLING_EXPORT_INLINE_MAX_ROWS = env.int("BILLING_EXPORT_INLINE_MAX_ROWS", default=5000)
BILLING_EXPORT_KEEP_HOURS = env.int("BILLING_EXPORT_KEEP_HOURS", default=24)
BILLING_EXPORT_RATE = env.str("BILLING_EXPORT_RATE", default="10/h")
# An export is tried this many times (a worker lost, an error) before it is shown as failed.
BILLING_EXPORT_MAX_ATTEMPTS = env.int("BILLING_EXPORT_MAX_ATTEMPTS", default=3)
# Where the default storage keeps files (prepared exports): with several app servers, a folder every app
# server and worker mounts (NFS or similar), so a file prepared by a worker is served by any app server.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# Security headers. The CSP allows only our own scripts and styles; nothing inline without a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers check liveness over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

REST_FRAMEWORK = {
    # Bearer first: a request without credentials is answered 401 with `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "tokens.permissions.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["tokens.throttling.TokenOrUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="600/min")},
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Manager API",
    "DESCRIPTION": "Organizations, members, billing addresses, VAT checks, products and orders, invoices and "
    "the wallet, partners and managed clients, the activity log and DPA certificates, API tokens, and the "
    "Newsletter API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tokens.schema.document_common_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per task state change is noise; failures are still logged.
    "loggers": {"django.tasks": {"level": "WARNING"}},
}
FORM_RENDERER = "console.forms.BootstrapFormRenderer"
