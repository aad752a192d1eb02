"""Settings from environment variables and an optional .env file, validated at start."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError

LANGUAGES = ("en", "pt-BR", "de", "es", "ru")
__all__ = ["LANGUAGES", "Settings", "SettingsError", "load_settings"]


class Settings(BaseSettings):
    """Every setting of the desk; names match the environment variables (see .env.example)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'supportdesk.db'}")
    billing_timezone: str = "UTC"
    default_language: str = "en"
    agent_language: str = "en"
    log_level: str = "INFO"

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_agent_chat_id: str | None = None

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_http_port: int = Field(default=3000, ge=1, le=65535)
    slack_agent_channel: str | None = None

    rate_limit_per_minute: int = Field(default=20, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    sla_check_seconds: int = Field(default=60, ge=5)
    invoice_grace_days: int = Field(default=0, ge=0, le=365)

    # Optional AI assistance (README "AI assistance"): off unless AI_TRIAGE or AI_TRANSLATE is on.
    ai_base_url: str | None = None
    ai_model: str | None = None
    ai_api_key: SecretStr | None = None
    ai_api_version: str | None = None  # Azure OpenAI only: the api-version query parameter
    ai_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    ai_triage: bool = False
    ai_translate: bool = False

    @field_validator("billing_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language", "agent_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("ai_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _ai_complete(self) -> Settings:
        if (self.ai_triage or self.ai_translate) and not (self.ai_base_url and self.ai_model):
            name = "AI_BASE_URL" if not self.ai_base_url else "AI_MODEL"
            raise ValueError(f"{name} is required when AI_TRIAGE or AI_TRANSLATE is on")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.billing_timezone)


def load_settings(**overrides: object) -> Settings:
    """Load and validate settings; raise SettingsError naming the first bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "setting"
        message = str(err["msg"]).removeprefix("Value error, ")
        if not err["loc"] and " is required when " in message:  # a rule across settings
            name, _, message = message.partition(" ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
