"""Configuration read from the environment.

``AMQP_URL`` and ``DATABASE_URL`` are read as they are; everything else is prefixed ``GONGKAI_``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CREDENTIALS = Path(__file__).with_name("dev_credentials.json")
DEV_BROKER_ACCOUNTS = ("guest:guest@", ":gongkai-dev@")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", extra="ignore")

    env: Literal["development", "production"] = "development"
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", validation_alias=AliasChoices("AMQP_URL", "GONGKAI_AMQP_URL")
    )
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/gongkai",
        validation_alias=AliasChoices("DATABASE_URL", "GONGKAI_DATABASE_URL"),
    )
    namespace: str = Field("gongkai", pattern=r"^[a-z][a-z0-9_-]{0,40}$",
                           description="prefix of every exchange and queue name")
    credentials_file: Path | None = None
    prefetch: int = Field(32, ge=1, le=1000)
    relay_batch: int = Field(200, ge=1, le=5000)
    relay_idle_seconds: float = Field(0.5, gt=0, le=60)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, url: str) -> str:
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix):]
        raise ValueError("DATABASE_URL must be a postgresql:// URL")

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> Settings:
        if self.env == "production":
            if self.credentials_file is None:
                raise ValueError("GONGKAI_CREDENTIALS_FILE is required when GONGKAI_ENV=production")
            if self.credentials_file.resolve() == DEV_CREDENTIALS:
                raise ValueError("the development credentials file must not be used in production")
            if any(account in self.amqp_url for account in DEV_BROKER_ACCOUNTS):
                raise ValueError("the RabbitMQ guest or development account must not be used in production")
        return self

    @property
    def credentials_path(self) -> Path:
        return self.credentials_file or DEV_CREDENTIALS
