"""One settings object for the whole service, read from COMPANION_* variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from companion.errors import SettingsError

ENV_PREFIX = "COMPANION_"
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"
PACKAGED_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Everything configurable, with embedded defaults that need no set-up."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir."
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL; unset means the embedded store."
    )
    embedding_model: str = Field(
        default=PACKAGED_MODEL,
        description="'all-MiniLM-L6-v2' (packaged, offline) or a local model directory.",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="'onnx' (the model exported once, run without torch) or 'torch' "
        "(sentence-transformers). Both give the same vectors.",
    )
    llm_model: str = "offline"
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_fallbacks: list[str] = Field(
        default_factory=list, description="Models to try, in order, when the first fails."
    )
    llm_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    llm_retries: int = Field(
        default=2, ge=0, le=10, description="Calls after the first when a provider fails."
    )
    llm_max_answer_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        le=16 * 1024 * 1024,
        description="A longer model answer fails the draft; nothing of it is kept.",
    )
    max_file_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="The largest file the CLI reads (knowledge base ingest, participant import).",
    )
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    # Notifications on delivery (both optional; nothing is sent when unset).
    webhook_url: str | None = Field(
        default=None, description="Slack- or Teams-compatible incoming webhook."
    )
    # A program's team chat posts only to public addresses, unless its network is listed
    # here (a relay on this machine or the organisation's own network; docs/security.md).
    webhook_allowed_networks: Annotated[
        list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode
    ] = Field(
        default_factory=list,
        description="Networks (CIDR, comma-separated) a program's team chat may post to "
        "although they are loopback, private or link-local; empty: public addresses only.",
    )
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "mentoring-companion@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where people reach the app: notifications link to pages under it.",
    )
    # Operations: who may read /metrics (docs/operations.md), and how the server logs.
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to read /metrics; unset means "
        "loopback clients only, and nobody in production.",
    )
    retention_in_server: bool = Field(
        default=True,
        description="Each server process applies the programs' retention settings daily; "
        "set false to run `companion retention run` from a scheduler instead.",
    )
    outbox_in_server: bool = Field(
        default=True,
        description="Each server process sends queued notifications; set false when one "
        "worker does it (`companion outbox send --every 30`).",
    )
    read_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Quick reads (a relationship's page of facts) a server process runs at "
        "once; unset: 1 on SQLite, 2 on PostgreSQL. More only contend for the interpreter "
        "lock; raise it when the database answers over a network (docs/operations.md).",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="'json': one object a line, with the request id."
    )
    # Password sign-in: failures allowed before back-off starts, per account and per
    # client address (an office behind one address gets more), and the back-off
    # that then doubles from the first delay up to the longest.
    sign_in_free_attempts: int = Field(default=10, ge=1, le=1000)
    sign_in_free_attempts_per_address: int = Field(default=50, ge=1, le=100_000)
    sign_in_first_delay_seconds: int = Field(default=2, ge=1, le=3600)
    sign_in_max_delay_seconds: int = Field(default=900, ge=1, le=86_400)
    community_posts_per_hour: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Community questions and answers one person may post in an hour.",
    )
    community_posts_per_day: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Community questions and answers one person may post in a day.",
    )
    # Single sign-on with an OpenID Connect provider (docs/identity.md); off while the
    # issuer is unset. Its redirect URI is PUBLIC_URL + /login/sso/callback.
    oidc_issuer: str | None = Field(
        default=None, description="The provider's issuer URL; discovery is read from it."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_provider_name: str = Field(
        default="single sign-on", description="Shown on the sign-in button."
    )
    oidc_scopes: str = "openid email profile"
    oidc_allowed_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Email domains that may sign in with the provider (comma-separated); "
        "empty: any domain.",
    )
    oidc_email_verified_claim: str = Field(
        default="email_verified",
        description="The ID token claim that says the provider verified the email.",
    )
    password_sign_in: bool = Field(
        default=True, description="Whether people may still sign in with a password."
    )

    # Reminders of unanswered invitations (docs/invitations.md): at most this many, each
    # the given number of days after the invitation was sent.
    invitation_reminders: int = Field(
        default=2, ge=0, le=10, description="Reminders of an unanswered invitation, at most."
    )
    invitation_reminder_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [3, 7],
        description="Days after the invitation each reminder goes (comma-separated).",
    )

    @field_validator("invitation_reminder_days", mode="before")
    @classmethod
    def _reminder_days(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _reminders_scheduled(self) -> Settings:
        days = self.invitation_reminder_days
        if any(day < 1 for day in days) or days != sorted(set(days)):
            raise ValueError(
                "COMPANION_INVITATION_REMINDER_DAYS must be whole days from 1 up, in rising "
                f"order, e.g. 3,7 (got {','.join(map(str, days))})"
            )
        if len(days) < self.invitation_reminders:
            raise ValueError(
                f"COMPANION_INVITATION_REMINDERS is {self.invitation_reminders} but "
                f"COMPANION_INVITATION_REMINDER_DAYS names {len(days)} day(s): give one per "
                "reminder"
            )
        return self

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            networks = []
            for part in value:
                try:
                    networks.append(ipaddress.ip_network(str(part).strip(), strict=False))
                except ValueError:
                    raise ValueError(
                        f"{part!r} is not a network: give addresses or CIDR ranges, "
                        "comma-separated, e.g. 127.0.0.1/32,10.1.2.0/24"
                    ) from None
            return networks
        return value

    @field_validator("oidc_allowed_domains", mode="before")
    @classmethod
    def _domains(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(d).strip().lower().lstrip("@") for d in value if str(d).strip()]
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (the provider's issuer URL)")
        if len(value) > 500:
            raise ValueError("must be at most 500 characters")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ValueError(
                "COMPANION_OIDC_ISSUER is set, so COMPANION_OIDC_CLIENT_ID and "
                "COMPANION_OIDC_CLIENT_SECRET must be set too (from the provider's app "
                "registration)"
            )
        if not self.password_sign_in and not self.oidc_issuer:
            raise ValueError(
                "COMPANION_PASSWORD_SIGN_IN is off but no COMPANION_OIDC_ISSUER is set: "
                "nobody could sign in"
            )
        return self

    @property
    def sso_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @field_validator("chroma_url", "llm_api_base", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with http:// or https://, e.g. https://mentoring.example.org: "
                "the links that notifications carry start with it"
            )
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite:// and postgresql:// URLs are supported")
        return value

    @field_validator("embedding_model")
    @classmethod
    def _embedding_model(cls, value: str) -> str:
        if value != PACKAGED_MODEL and not Path(value).expanduser().is_dir():
            raise ValueError(
                f"{value!r} is neither {PACKAGED_MODEL!r} (the packaged model) nor an "
                "existing local model directory; models are never downloaded"
            )
        return value

    @field_validator("llm_model")
    @classmethod
    def _llm_model(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty; use 'offline' for the built-in drafter")
        return value.strip()

    @model_validator(mode="after")
    def _model_fits_backend(self) -> Settings:
        if self.embedding_backend == "onnx" and self.embedding_model != PACKAGED_MODEL:
            from embeddings.export import ExportError, read_pipeline

            try:
                read_pipeline(Path(self.embedding_model).expanduser())
            except ExportError as exc:
                raise ValueError(str(exc)) from None
        return self

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
        ):
            raise ValueError(
                "COMPANION_SECRET_KEY must be set to a private random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if self.environment == "production" and len(self.secret_key.get_secret_value()) < 16:
            raise ValueError("COMPANION_SECRET_KEY must be at least 16 characters in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'companion.db').resolve()}"

    @property
    def resolved_read_threads(self) -> int:
        """`read_threads`, or its default for the engine: on SQLite a read never waits for
        a server, so one at a time costs the least CPU; on PostgreSQL it does wait."""
        if self.read_threads is not None:
            return self.read_threads
        return 1 if self.resolved_database_url.startswith("sqlite") else 2

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def signing_key(self) -> str:
        """The key that signs browser sessions and emailed links: COMPANION_SECRET_KEY.
        In development with none set, a random key of this installation's own, kept in
        `<data dir>/secret_key` (every process on the data directory reads the same one):
        the published default would let anyone forge a link. The test suite keeps the
        fixed key; production refuses to start without one."""
        configured = self.secret_key.get_secret_value()
        if configured != DEFAULT_SECRET_KEY or self.environment != "development":
            return configured
        return _installation_key(self.data_dir.resolve())


_INSTALLATION_KEYS: dict[Path, str] = {}


def _installation_key(data_dir: Path) -> str:
    """The random key kept in `data_dir`, made on first use. Made in a private file of
    its own and linked into place, so two processes starting together agree on one."""
    known = _INSTALLATION_KEYS.get(data_dir)
    if known is not None:
        return known
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            os.unlink(draft)
    key = path.read_text().strip()
    if len(key) < 32:
        raise SettingsError(
            f"{path} holds no usable key: delete it to make a new one, or set "
            "COMPANION_SECRET_KEY (links already emailed stop working either way)"
        )
    _INSTALLATION_KEYS[data_dir] = key
    return key


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; fail with a message naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("Invalid settings: " + "; ".join(problems)) from None
