"""Settings for gridportal: the one module that reads the environment.

Every value a deployment may change comes from an environment variable (or a `.env` file beside
`manage.py`); the defaults run the portal on one machine with SQLite and no Redis.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu.transport import TRANSPORT_ALIASES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime state (SQLite file, generated secret, broker folder, uploads) lives here, ignored by git.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _generated_secret(path: Path) -> str:
    """A development secret made once and kept under var/, never committed."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)
SECRET_KEY = env("SECRET_KEY", default=None) or _generated_secret(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "axes",
    "simple_history",
    "rules",
    "gridportal",
    "grids",
    "residents",
    "tickets",
    "committees",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pins a user who just wrote to the primary (removes itself without DATABASE_REPLICA_URL).
    "gridportal.replica.ReadYourWritesMiddleware",
    "gridportal.permissions.RequestCache",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "gridportal.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "gridportal.urls"
WSGI_APPLICATION = "gridportal.wsgi.application"

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
                "gridportal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gridportal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share one file: WAL lets readers run beside a writer, and IMMEDIATE
    # transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica (optional): the reads that may lag (dashboards, stats, exports, the map)
# go to it, unless the user wrote within REPLICA_PIN_SECONDS (gridportal/replica.py). Without
# DATABASE_REPLICA_URL there is one database and no router.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        # Tests read the replica alias from the test database itself.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["gridportal.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    # A message taken by a worker that then dies (kill -9, power cut) is given to another after
    # the visibility timeout: five minutes, so a lost delivery is a short delay, not an hour's.
    # Deliveries are idempotent (tickets.inbox), so the rare long task run twice tells nobody
    # twice. Workers look for such messages every ten seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A broker that needs no server: messages are files under var/broker/, written atomically
    # and kept on disk until acked, so a worker killed mid-task loses nothing
    # (gridportal/broker.py; chosen by measurement in bench/broker.py, figures in README.md).
    BROKER_DIR = VAR_DIR / "broker"
    for _folder in ("queue", "control", "unacked"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    # kombu finds the transport by the URL's scheme; a host is named, or kombu warns on each use.
    TRANSPORT_ALIASES.setdefault("gridfs", "gridportal.broker:Transport")
    CELERY_BROKER_URL = "gridfs://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "unacked_folder": str(BROKER_DIR / "unacked"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Deadlines keep their own queue, served by their own worker (`make run`, docker-compose.yml):
# a flood of notices on the default queue never delays the sweep or a due reminder. Status
# call-backs to outside systems have a queue too: the default worker takes it beside "celery",
# the scaled profile gives it workers of its own (a client that answers slowly holds up no
# notice).
CELERY_TASK_DEFAULT_QUEUE = "celery"
DEADLINES_QUEUE = "deadlines"
CALLBACKS_QUEUE = "callbacks"
CELERY_TASK_ROUTES = {
    **{name: {"queue": DEADLINES_QUEUE} for name in (
        "tickets.tasks.sweep_task",
        "tickets.tasks.fold_kpis_task",
        "tickets.tasks.deliver_reminder_task",
        "tickets.tasks.deliver_reminders_task",
        "committees.tasks.cadence_sweep_task",
        "committees.tasks.deliver_committee_reminder_task",
    )},
    "interop.tasks.*": {"queue": CALLBACKS_QUEUE},
}
CELERY_BEAT_SCHEDULE = {
    "tickets-sweep-every-minute": {
        "task": "tickets.tasks.sweep_task",
        "schedule": timedelta(minutes=1),
    },
    # The KPI changes into the rollup (reports add what is not folded yet).
    "tickets-fold-kpis-every-minute": {
        "task": "tickets.tasks.fold_kpis_task",
        "schedule": timedelta(minutes=1),
    },
    "committees-cadence-every-morning": {
        "task": "committees.tasks.cadence_sweep_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "grids-check-tree-nightly": {
        "task": "grids.tasks.check_tree_task",
        "schedule": timedelta(hours=24),
    },
    # Status call-backs that are due (a lost enqueue, a worker that was down, a retry).
    "interop-callbacks-every-minute": {
        "task": "interop.tasks.callbacks_sweep_task",
        "schedule": timedelta(minutes=1),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Status call-backs to API clients (interop.callbacks) -------------------------------------
# Seconds to wait for a client's answer; the first retry after CALLBACK_RETRY_FIRST seconds,
# doubling up to CALLBACK_RETRY_MAX; a call-back still refused after CALLBACK_GIVE_UP_HOURS of
# retries is given up (the next ones of its work order then go).
CALLBACK_TIMEOUT = env.float("CALLBACK_TIMEOUT", default=10.0)
CALLBACK_RETRY_FIRST = env.int("CALLBACK_RETRY_FIRST", default=30)
CALLBACK_RETRY_MAX = env.int("CALLBACK_RETRY_MAX", default=30 * 60)
CALLBACK_GIVE_UP_HOURS = env.float("CALLBACK_GIVE_UP_HOURS", default=24.0)

# --- Authentication and sessions ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Every capability of the permission matrix (gridportal.permissions) is a rules permission.
    "rules.permissions.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
if SESSION_COOKIE_AGE > 12 * 3600:
    SESSION_COOKIE_AGE = 12 * 3600  # Sessions never outlive a working day.
SESSION_COOKIE_HTTPONLY = True

# Lockout per (username, IP) pair: one person's typos behind a shared proxy lock out nobody else.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gridportal.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# --- HTTPS and security headers -------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=HTTPS)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- The map (/map/) ------------------------------------------------------------------------
# The basemap under the portal's own layers: "none" (a plain background, works offline),
# "tiles" (a raster tile URL template with {z}/{x}/{y}, e.g. a 天地图 service on the government
# network) or "pmtiles" (one PMTiles file served by the portal: a path under the static files,
# or an address on this site beginning with "/").
MAP_BASEMAP = env("MAP_BASEMAP", default="none")
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
MAP_PMTILES = env("MAP_PMTILES", default="")
if MAP_BASEMAP not in ("none", "tiles", "pmtiles"):
    raise ImproperlyConfigured(f"MAP_BASEMAP must be none, tiles or pmtiles, not {MAP_BASEMAP!r}")
if MAP_BASEMAP == "tiles" and "{z}" not in MAP_TILE_URL:
    raise ImproperlyConfigured("MAP_BASEMAP=tiles needs MAP_TILE_URL with {z}, {x} and {y}")
if MAP_BASEMAP == "pmtiles" and not MAP_PMTILES:
    raise ImproperlyConfigured("MAP_BASEMAP=pmtiles needs MAP_PMTILES")
# The browser fetches tiles from the tile server itself: the CSP lets it (and only it) in.
_tile_server = urlsplit(MAP_TILE_URL) if MAP_BASEMAP == "tiles" else None
MAP_TILE_ORIGINS = ([f"{_tile_server.scheme}://{_tile_server.netloc}"]
                    if _tile_server and _tile_server.netloc else [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *MAP_TILE_ORIGINS],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, *MAP_TILE_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads have no public URL: they are streamed by views that apply the same scoping as the data.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "uploads")))
MEDIA_URL = "/protected-uploads/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="gridportal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "gridportal.api.HoldsCapability"],
    "DEFAULT_RENDERER_CLASSES": (
        ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"]
        if DEBUG
        else ["rest_framework.renderers.JSONRenderer"]
    ),
    # DRF's parsers, with JSON read by gridportal.api.JSONParser (bounded nesting: a 400).
    "DEFAULT_PARSER_CLASSES": [
        "gridportal.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "gridportal.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "gridportal.schema.AutoSchema",  # documents the error answers too
    "DEFAULT_THROTTLE_RATES": {
        "login": "20/min",
        # The public self-report page and API, per client address and per reporter's phone.
        "public_report_ip": env("THROTTLE_PUBLIC_REPORT_IP", default="20/hour"),
        "public_report_phone": env("THROTTLE_PUBLIC_REPORT_PHONE", default="5/hour"),
        "public_lookup_ip": env("THROTTLE_PUBLIC_LOOKUP_IP", default="20/hour"),
    },
    # Behind one TLS proxy, the client address is the last hop of X-Forwarded-For; otherwise
    # the header is ignored (a client could invent a new address per request).
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridportal API",
    "DESCRIPTION": "Grid governance portal: grid tree, residents, tickets and committees.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NodeKindEnum": "grids.models.NodeKind",
        "ServicePointKindEnum": "grids.models.ServicePointKind",
        "RoleEnum": "grids.models.Role",
        "TicketStatusEnum": "tickets.models.Status",
        "CommitteeKindEnum": "committees.models.CommitteeKind",
        "DwellingCategoryEnum": "residents.selectors.CATEGORIES",
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},
    },
}

# --- Personal data --------------------------------------------------------------------------
# Fernet keys (comma-separated, newest first) encrypt ID numbers at rest; the hash key finds them.
# Development keys are generated once under var/; production sets both in the environment.
def _generated_fernet_key(path: Path) -> str:
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


PII_KEYS_FROM_ENVIRONMENT = bool(env("PII_ENCRYPTION_KEYS", default="")
                                 and env("PII_HASH_KEY", default=""))
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[]) or [
    _generated_fernet_key(VAR_DIR / "pii_encryption_key")
]
PII_HASH_KEY = env("PII_HASH_KEY", default=None) or _generated_secret(VAR_DIR / "pii_hash_key")
# The house colour map (房屋分色管理图): one colour per dwelling category.
HOUSE_COLOURS = {
    "permanent": env("COLOUR_PERMANENT", default="#2f9e44"),
    "floating": env("COLOUR_FLOATING", default="#f59f00"),
    "office": env("COLOUR_OFFICE", default="#1c7ed6"),
    "business": env("COLOUR_BUSINESS", default="#7048e8"),
    "concern": env("COLOUR_CONCERN", default="#e03131"),
    "vacant": env("COLOUR_VACANT", default="#ced4da"),
}
# How many ID numbers one user may check against the whole registry in an hour (registering,
# correcting, searching): more is refused and logged.
ID_CHECKS_PER_HOUR = env.int("ID_CHECKS_PER_HOUR", default=30)
ELDERLY_AGE = 60
# A replied ticket nobody evaluated is closed after this many days.
TICKET_EVALUATION_DAYS = env.int("TICKET_EVALUATION_DAYS", default=7)
CHILD_AGE = 18

# --- Portal ---------------------------------------------------------------------------------
PORTAL_NAME = _("Community Grid Portal")
# Demo passwords are printed, and demo logins offered, only in demo mode.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="gridportal-demo")
