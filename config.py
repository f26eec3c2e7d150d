"""Configuration read from the environment.

Defaults give a working local set-up: a SQLite database, file store and search index
under `instance/`. Nothing secret is hard-coded: SECRET_KEY comes from the environment
or is generated once into `instance/secret_key`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGES = "en,ru,fr,de,es,it,ar"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"  # where `make run` serves the portal
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


def _instance_dir() -> Path:
    path = Path(os.environ.get("PAN_INSTANCE_DIR", BASE_DIR / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    from_env = os.environ.get("SECRET_KEY")
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


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'pan.sqlite'}")
    # Some hosts still hand out the old "postgres://" scheme, which SQLAlchemy 2 refuses.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _base_url() -> str:
    return os.environ.get("PAN_BASE_URL", DEFAULT_BASE_URL).strip().rstrip("/") or DEFAULT_BASE_URL


def _trusted_hosts(base_url: str) -> list[str]:
    """PAN_TRUSTED_HOSTS (comma-separated), else the host of PAN_BASE_URL.

    A local base address trusts every loopback name, so that `make run` answers on
    127.0.0.1 and localhost alike. A request for any other host gets 400.
    """
    listed = [host.strip() for host in os.environ.get("PAN_TRUSTED_HOSTS", "").split(",") if host.strip()]
    if listed:
        return listed
    host = urlsplit(base_url).hostname or "localhost"
    return list(LOOPBACK_HOSTS) if host in LOOPBACK_HOSTS else [host]


class Config:
    def __init__(self) -> None:
        instance = _instance_dir()
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.PAN_STORAGE_DIR = os.environ.get("PAN_STORAGE_DIR", str(instance / "storage"))
        self.PAN_INDEX_DIR = os.environ.get("PAN_INDEX_DIR", str(instance / "index"))
        self.PAN_LANGUAGES = [
            code.strip()
            for code in os.environ.get("PAN_LANGUAGES", DEFAULT_LANGUAGES).split(",")
            if code.strip()
        ]
        self.BABEL_DEFAULT_LOCALE = self.PAN_LANGUAGES[0]
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("PAN_MAX_UPLOAD_MB", "100")) * 1024 * 1024
        self.PAN_MAX_VIDEO_MB = int(os.environ.get("PAN_MAX_VIDEO_MB", "50"))
        # Text extraction runs in a child process with these limits (see storage/extract.py);
        # PAN_EXTRACT_SYNC=1 waits for it at commit time instead of a background thread.
        self.PAN_EXTRACT_MEMORY_MB = int(os.environ.get("PAN_EXTRACT_MEMORY_MB", "1024"))
        self.PAN_EXTRACT_CPU_SECONDS = int(os.environ.get("PAN_EXTRACT_CPU_SECONDS", "30"))
        self.PAN_EXTRACT_TIMEOUT = float(os.environ.get("PAN_EXTRACT_TIMEOUT", "45"))
        self.PAN_EXTRACT_SYNC = os.environ.get("PAN_EXTRACT_SYNC", "0") == "1"
        # Markings are written into PDFs by a child process with these limits, once per file
        # and marking; the marked copies are kept here (see storage/mark.py).
        self.PAN_MARK_MEMORY_MB = int(os.environ.get("PAN_MARK_MEMORY_MB", "1024"))
        self.PAN_MARK_CPU_SECONDS = int(os.environ.get("PAN_MARK_CPU_SECONDS", "15"))
        self.PAN_MARK_TIMEOUT = float(os.environ.get("PAN_MARK_TIMEOUT", "20"))
        self.PAN_MARK_MAX_OBJECTS = int(os.environ.get("PAN_MARK_MAX_OBJECTS", "50000"))
        self.PAN_MARK_CACHE_DIR = os.environ.get("PAN_MARK_CACHE_DIR", str(instance / "marked"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("PAN_SECURE_COOKIES", "0") == "1"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.PAN_PAGE_SIZE = 20
        # Number of reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.
        self.PAN_TRUSTED_PROXIES = int(os.environ.get("PAN_TRUSTED_PROXIES", "0"))
        # E-mail: SMTP when a host is set, else messages go to the log ("console").
        self.PAN_MAIL_BACKEND = os.environ.get("PAN_MAIL_BACKEND") or None
        self.PAN_MAIL_FROM = os.environ.get("PAN_MAIL_FROM", "PAN Platform <no-reply@localhost>")
        self.PAN_SMTP_HOST = os.environ.get("PAN_SMTP_HOST") or None
        self.PAN_SMTP_PORT = int(os.environ.get("PAN_SMTP_PORT", "587"))
        self.PAN_SMTP_USER = os.environ.get("PAN_SMTP_USER") or None
        self.PAN_SMTP_PASSWORD = os.environ.get("PAN_SMTP_PASSWORD", "")
        self.PAN_SMTP_STARTTLS = os.environ.get("PAN_SMTP_STARTTLS", "1") == "1"
        # The portal's public address (scheme, host, optional path). Every link in an e-mail
        # starts from it, never from the request's Host header, which a client chooses.
        self.PAN_BASE_URL = _base_url()
        # Flask refuses (400) a request whose Host, or X-Forwarded-Host from a trusted proxy,
        # is not listed here: the portal only answers under the names it is known by.
        self.TRUSTED_HOSTS = _trusted_hosts(self.PAN_BASE_URL)
        # Rate limits of the machine interfaces (API, OAI-PMH, feeds): requests per window.
        self.PAN_API_RATE_LIMIT = int(os.environ.get("PAN_API_RATE_LIMIT", "600"))  # per API token
        self.PAN_API_RATE_LIMIT_ANON = int(os.environ.get("PAN_API_RATE_LIMIT_ANON", "120"))  # per client address
        self.PAN_API_RATE_WINDOW = int(os.environ.get("PAN_API_RATE_WINDOW", "60"))  # seconds
        # Where the counts live, shared by every worker: "redis" (PAN_REDIS_URL), "database",
        # or "memory" (each process counts for itself). Empty: Redis when configured, else the database.
        self.PAN_REDIS_URL = os.environ.get("PAN_REDIS_URL") or None
        self.PAN_REDIS_KEY_PREFIX = os.environ.get("PAN_REDIS_KEY_PREFIX", "pan:")
        self.PAN_RATE_LIMIT_STORE = os.environ.get("PAN_RATE_LIMIT_STORE", "").strip().lower()
        # Scheduled work (pan_platform/scheduler.py): `flask pan worker` runs each job at its
        # interval (seconds); PAN_INPROCESS_SCHEDULER=1 runs them in a thread of the web
        # process instead (`make run`; one process only, never with several workers).
        self.PAN_INPROCESS_SCHEDULER = os.environ.get("PAN_INPROCESS_SCHEDULER", "0") == "1"
        self.PAN_EXPIRY_SWEEP_SECONDS = float(os.environ.get("PAN_EXPIRY_SWEEP_SECONDS", "60"))
        self.PAN_INDEX_RETRY_SECONDS = float(os.environ.get("PAN_INDEX_RETRY_SECONDS", "60"))
        self.PAN_INDEX_MERGE_SECONDS = float(os.environ.get("PAN_INDEX_MERGE_SECONDS", "300"))
        self.PAN_INVITATION_DAYS = int(os.environ.get("PAN_INVITATION_DAYS", "14"))
        self.PAN_RESET_MINUTES = int(os.environ.get("PAN_RESET_MINUTES", "60"))
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False


def load_config(overrides: dict | None = None) -> dict:
    config = {k: v for k, v in vars(Config()).items() if k.isupper()}
    config.update(overrides or {})
    return config
