"""Configuration read from the environment: every setting of the portal, here and nowhere else.

Defaults give a working local set-up: a SQLite database, file store and search index
under `instance/`. Nothing secret is hard-coded: SECRET_KEY comes from the environment
or is generated once into `instance/secret_key`.

`load_config(overrides)` runs once per application (the factory calls it); tests and
scripts pass their settings as overrides, never through the environment. An
INSTANCE_DIR or PAN_BASE_URL override also moves what is derived from it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGES = "en,ru,fr,de,es,it,ar"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves the portal
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


def _instance_dir(env: Mapping[str, str], given: str | None) -> Path:
    path = Path(given or env.get("PAN_INSTANCE_DIR", BASE_DIR / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(env: Mapping[str, str], instance: Path) -> str:
    from_env = env.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    url = env.get("DATABASE_URL", f"sqlite:///{instance / 'pan.sqlite'}")
    # Some hosts still hand out the old "postgres://" scheme, which SQLAlchemy 2 refuses.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _base_url(env: Mapping[str, str], given: str | None) -> str:
    return (given or env.get("PAN_BASE_URL", DEFAULT_BASE_URL)).strip().rstrip("/") or DEFAULT_BASE_URL


def _command_locales(env: Mapping[str, str]) -> list[str]:
    """The operator's languages for command-line messages, from the POSIX variables, most
    important first (LANGUAGE may list several, "fr:en"; LC_ALL, LC_MESSAGES, LANG hold one)."""
    candidates = env.get("LANGUAGE", "").split(":")
    candidates += [env.get(name, "") for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
    return [value for value in candidates if value]


def _trusted_hosts(env: Mapping[str, str], base_url: str) -> list[str]:
    """PAN_TRUSTED_HOSTS (comma-separated), else the host of PAN_BASE_URL.

    A local base address trusts every loopback name, so that `make run` answers on
    127.0.0.1 and localhost alike. A request for any other host gets 400.
    """
    listed = [host.strip() for host in env.get("PAN_TRUSTED_HOSTS", "").split(",") if host.strip()]
    if listed:
        return listed
    host = urlsplit(base_url).hostname or "localhost"
    return list(LOOPBACK_HOSTS) if host in LOOPBACK_HOSTS else [host]


class Config:
    def __init__(self, env: Mapping[str, str], instance_dir: str | None = None, base_url: str | None = None) -> None:
        instance = _instance_dir(env, instance_dir)
        self.INSTANCE_DIR = str(instance)
        self.MIGRATIONS_DIR = str(BASE_DIR / "migrations")
        self.SECRET_KEY = _secret_key(env, instance)
        self.SQLALCHEMY_DATABASE_URI = _database_url(env, instance)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.PAN_STORAGE_DIR = env.get("PAN_STORAGE_DIR", str(instance / "storage"))
        self.PAN_INDEX_DIR = env.get("PAN_INDEX_DIR", str(instance / "index"))
        self.PAN_LANGUAGES = [
            code.strip()
            for code in env.get("PAN_LANGUAGES", DEFAULT_LANGUAGES).split(",")
            if code.strip()
        ]
        self.BABEL_DEFAULT_LOCALE = self.PAN_LANGUAGES[0]
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
        self.MAX_CONTENT_LENGTH = int(env.get("PAN_MAX_UPLOAD_MB", "100")) * 1024 * 1024
        self.PAN_MAX_VIDEO_MB = int(env.get("PAN_MAX_VIDEO_MB", "50"))
        # Text extraction runs in a child process with these limits (see storage/extract.py);
        # PAN_EXTRACT_SYNC=1 waits for it at commit time instead of a background thread.
        self.PAN_EXTRACT_MEMORY_MB = int(env.get("PAN_EXTRACT_MEMORY_MB", "1024"))
        self.PAN_EXTRACT_CPU_SECONDS = int(env.get("PAN_EXTRACT_CPU_SECONDS", "30"))
        self.PAN_EXTRACT_TIMEOUT = float(env.get("PAN_EXTRACT_TIMEOUT", "45"))
        self.PAN_EXTRACT_SYNC = env.get("PAN_EXTRACT_SYNC", "0") == "1"
        # Markings are written into PDFs by a child process with these limits, once per file
        # and marking; the marked copies are kept here (see storage/mark.py).
        self.PAN_MARK_MEMORY_MB = int(env.get("PAN_MARK_MEMORY_MB", "1024"))
        self.PAN_MARK_CPU_SECONDS = int(env.get("PAN_MARK_CPU_SECONDS", "15"))
        self.PAN_MARK_TIMEOUT = float(env.get("PAN_MARK_TIMEOUT", "20"))
        self.PAN_MARK_MAX_OBJECTS = int(env.get("PAN_MARK_MAX_OBJECTS", "50000"))
        self.PAN_MARK_CACHE_DIR = env.get("PAN_MARK_CACHE_DIR", str(instance / "marked"))
        # Thumbnails and page images are made by a child process with these limits, after the
        # text extraction and by the same background thread (see storage/previews.py). LibreOffice
        # (PAN_SOFFICE, looked up on PATH) converts office documents first; without it they get none.
        self.PAN_PREVIEW_DIR = env.get("PAN_PREVIEW_DIR", str(instance / "previews"))
        self.PAN_PREVIEW_PAGES = int(env.get("PAN_PREVIEW_PAGES", "10"))
        self.PAN_PREVIEW_MEMORY_MB = int(env.get("PAN_PREVIEW_MEMORY_MB", "2048"))
        self.PAN_PREVIEW_CPU_SECONDS = int(env.get("PAN_PREVIEW_CPU_SECONDS", "60"))
        self.PAN_PREVIEW_TIMEOUT = float(env.get("PAN_PREVIEW_TIMEOUT", "120"))
        self.PAN_SOFFICE = env.get("PAN_SOFFICE", "soffice")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Cookies only over HTTPS (the session and remember-me cookies alike; web/security.py).
        self.PAN_SECURE_COOKIES = env.get("PAN_SECURE_COOKIES", "0") == "1"
        self.SESSION_COOKIE_SECURE = self.PAN_SECURE_COOKIES
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None
        # Number of reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.
        self.PAN_TRUSTED_PROXIES = int(env.get("PAN_TRUSTED_PROXIES", "0"))
        # E-mail: SMTP when a host is set, else messages go to the log ("console").
        self.PAN_MAIL_BACKEND = env.get("PAN_MAIL_BACKEND") or None
        self.PAN_MAIL_FROM = env.get("PAN_MAIL_FROM", "PAN Platform <no-reply@localhost>")
        self.PAN_SMTP_HOST = env.get("PAN_SMTP_HOST") or None
        self.PAN_SMTP_PORT = int(env.get("PAN_SMTP_PORT", "587"))
        self.PAN_SMTP_USER = env.get("PAN_SMTP_USER") or None
        self.PAN_SMTP_PASSWORD = env.get("PAN_SMTP_PASSWORD", "")
        self.PAN_SMTP_STARTTLS = env.get("PAN_SMTP_STARTTLS", "1") == "1"
        # The portal's public address (scheme, host, optional path). Every link in an e-mail
        # starts from it, never from the request's Host header, which a client chooses.
        self.PAN_BASE_URL = _base_url(env, base_url)
        # Flask refuses (400) a request whose Host, or X-Forwarded-Host from a trusted proxy,
        # is not listed here: the portal only answers under the names it is known by.
        self.TRUSTED_HOSTS = _trusted_hosts(env, self.PAN_BASE_URL)
        # Rate limits of the machine interfaces (API, OAI-PMH, feeds): requests per window.
        self.PAN_API_RATE_LIMIT = int(env.get("PAN_API_RATE_LIMIT", "600"))  # per API token
        self.PAN_API_RATE_LIMIT_ANON = int(env.get("PAN_API_RATE_LIMIT_ANON", "120"))  # per client address
        self.PAN_API_RATE_WINDOW = int(env.get("PAN_API_RATE_WINDOW", "60"))  # seconds
        # Where the counts live, shared by every worker: "redis" (PAN_REDIS_URL), "database",
        # or "memory" (each process counts for itself). Empty: Redis when configured, else the database.
        self.PAN_REDIS_URL = env.get("PAN_REDIS_URL") or None
        self.PAN_REDIS_KEY_PREFIX = env.get("PAN_REDIS_KEY_PREFIX", "pan:")
        self.PAN_RATE_LIMIT_STORE = env.get("PAN_RATE_LIMIT_STORE", "").strip().lower()
        # Messages sent through the platform (contact an expert or an academy): per sender and
        # window (seconds), counted in the same store as the API's limits; the photo size limit.
        self.PAN_CONTACT_RATE_LIMIT = int(env.get("PAN_CONTACT_RATE_LIMIT", "10"))
        self.PAN_CONTACT_RATE_WINDOW = int(env.get("PAN_CONTACT_RATE_WINDOW", "3600"))
        self.PAN_EXPERT_PHOTO_MAX_MB = float(env.get("PAN_EXPERT_PHOTO_MAX_MB", "5"))
        self.PAN_INVITATION_DAYS = int(env.get("PAN_INVITATION_DAYS", "14"))
        self.PAN_RESET_MINUTES = int(env.get("PAN_RESET_MINUTES", "60"))
        # Open interfaces: allowed browser origins of the API (comma-separated), OAI-PMH page
        # size and identity, the Atom feeds' length, the contact address they publish.
        self.PAN_CORS_ORIGINS = env.get("PAN_CORS_ORIGINS", "")
        self.PAN_OAI_PAGE_SIZE = int(env.get("PAN_OAI_PAGE_SIZE", "100"))
        self.PAN_OAI_REPOSITORY_ID = env.get("PAN_OAI_REPOSITORY_ID", "pan-platform")
        self.PAN_OAI_REPOSITORY_NAME = env.get("PAN_OAI_REPOSITORY_NAME", "PAN Platform")
        self.PAN_ADMIN_EMAIL = env.get("PAN_ADMIN_EMAIL", "secretariat@pan.example")
        self.PAN_FEED_SIZE = int(env.get("PAN_FEED_SIZE", "50"))
        # Home, catalogue and search pages for visitors without cookies are kept this many
        # seconds at most (web/page_cache.py; 0: never kept).
        self.PAN_PAGE_CACHE_SECONDS = float(env.get("PAN_PAGE_CACHE_SECONDS", "30"))
        # Scheduled work (pan_platform/scheduler.py): `flask pan worker` runs each job at its
        # interval (seconds); PAN_INPROCESS_SCHEDULER=1 runs them in a thread of the web
        # process instead (`make run`; one process only, never with several workers).
        self.PAN_INPROCESS_SCHEDULER = env.get("PAN_INPROCESS_SCHEDULER", "0") == "1"
        self.PAN_EXPIRY_SWEEP_SECONDS = float(env.get("PAN_EXPIRY_SWEEP_SECONDS", "60"))
        self.PAN_INDEX_RETRY_SECONDS = float(env.get("PAN_INDEX_RETRY_SECONDS", "60"))
        self.PAN_INDEX_MERGE_SECONDS = float(env.get("PAN_INDEX_MERGE_SECONDS", "300"))
        # Offline packages (syllabus/packages.py): where the ZIPs are kept, how long, which are
        # small enough to build in the request (files and megabytes), and the intervals of the
        # `build-packages` and `clean-packages` jobs.
        self.PAN_PACKAGE_DIR = env.get("PAN_PACKAGE_DIR", str(instance / "packages"))
        self.PAN_PACKAGE_KEEP_HOURS = float(env.get("PAN_PACKAGE_KEEP_HOURS", "24"))
        self.PAN_PACKAGE_INLINE_FILES = int(env.get("PAN_PACKAGE_INLINE_FILES", "10"))
        self.PAN_PACKAGE_INLINE_MB = int(env.get("PAN_PACKAGE_INLINE_MB", "20"))
        self.PAN_PACKAGE_BUILD_SECONDS = float(env.get("PAN_PACKAGE_BUILD_SECONDS", "5"))
        self.PAN_PACKAGE_CLEAN_SECONDS = float(env.get("PAN_PACKAGE_CLEAN_SECONDS", "3600"))
        # How often the worker looks for digests of saved searches that are due (alerts/digests.py).
        self.PAN_DIGEST_SECONDS = float(env.get("PAN_DIGEST_SECONDS", "900"))
        # A build that has written no progress for this long is taken as dead (its process
        # ended) and failed, so that the package can be asked for again.
        self.PAN_PACKAGE_STALL_SECONDS = float(env.get("PAN_PACKAGE_STALL_SECONDS", "600"))
        # Index a save before the reply (1) or in a background thread (0).
        self.PAN_SEARCH_SYNC = env.get("PAN_SEARCH_SYNC", "1") == "1"
        # The language of command-line messages (see i18n.select_locale).
        self.PAN_COMMAND_LOCALES = _command_locales(env)
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False


def load_config(overrides: dict | None = None, env: Mapping[str, str] | None = None) -> dict:
    """Every setting, from `env` (the process environment unless given), then `overrides`."""
    overrides = dict(overrides or {})
    settings = Config(
        os.environ if env is None else env,
        instance_dir=overrides.get("INSTANCE_DIR"),
        base_url=overrides.get("PAN_BASE_URL"),
    )
    config = {k: v for k, v in vars(settings).items() if k.isupper()}
    config.update({k: v for k, v in overrides.items() if k not in ("INSTANCE_DIR", "PAN_BASE_URL")})
    return config
