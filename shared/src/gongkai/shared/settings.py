"""Configuration read from the environment.

``AMQP_URL`` and ``DATABASE_URL`` are read as they are; everything else is prefixed ``GONGKAI_``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import accounts, failover
from .accounts import DEV_BROKER_ACCOUNTS, DEV_DATABASE_ACCOUNTS, password_of, with_credentials

DEV_CREDENTIALS = Path(__file__).with_name("dev_credentials.json")
DEV_PASSWORDS_IN_URLS = ("guest", "gongkai-dev")  # the broker's default account, the old compose password


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
    amqp_addresses: str = Field(
        "", pattern=r"^[A-Za-z0-9.:\[\]_-]*(,[A-Za-z0-9.:\[\]_-]+)*$",
        description="the broker cluster's other nodes, host:port each (GONGKAI_AMQP_ADDRESSES=host:port,host:port): "
                    "a connection that loses its node moves to the next")
    namespace: str = Field("gongkai", pattern=r"^[a-z][a-z0-9_-]{0,40}$",
                           description="prefix of every exchange and queue name")
    credentials_file: Path | None = None
    broker_prefix: str = Field("gongkai-", pattern=r"^[a-z][a-z0-9_.-]{0,30}$",
                               description="broker account names are <prefix><party>")
    broker_accounts_file: Path | None = Field(None, description="party → broker password; development's if unset")
    broker_management_url: str | None = Field(None, description="RabbitMQ's management API, for broker setup "
                                                                "where rabbitmqctl cannot reach the broker")
    database_role_prefix: str = Field("gongkai_", pattern=r"^[a-z][a-z0-9_]{0,30}$",
                                      description="database roles are <prefix><service> and <prefix><service>_owner")
    database_accounts_file: Path | None = Field(None, description="service → database password; development's "
                                                                  "if unset")
    prefetch: int = Field(100, ge=1, le=1000, description="deliveries a consumer holds at once")
    batch: int = Field(100, ge=1, le=1000, description="deliveries handled in one transaction at most")
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
            self._no_development_accounts()
        return self

    def _no_development_accounts(self) -> None:
        for given, dev, what in ((self.broker_accounts_file, DEV_BROKER_ACCOUNTS, "broker"),
                                 (self.database_accounts_file, DEV_DATABASE_ACCOUNTS, "database")):
            if given is not None and given.resolve() == dev.resolve():
                raise ValueError(f"the development {what} accounts file must not be used in production")
        shipped = accounts.development_passwords()
        if password_of(self.amqp_url) in {*shipped, *DEV_PASSWORDS_IN_URLS}:
            raise ValueError("the RabbitMQ guest or development account must not be used in production")
        if password_of(self.database_url) in {*shipped, *DEV_PASSWORDS_IN_URLS}:
            raise ValueError("a development database password must not be used in production")
        for file in (self.broker_accounts_file, self.database_accounts_file):
            if file is not None and shipped & set(accounts.passwords(file).values()):
                raise ValueError(f"{file} holds a development password: choose new ones for production")

    @property
    def credentials_path(self) -> Path:
        return self.credentials_file or DEV_CREDENTIALS

    # ---- accounts ---------------------------------------------------------------------------

    def broker_account(self, party: str) -> str:
        return f"{self.broker_prefix}{party}"

    def broker_passwords(self) -> dict[str, str]:
        """Party → broker password: the accounts file, development's when unset (none in production)."""
        file = self.broker_accounts_file or (DEV_BROKER_ACCOUNTS if self.env == "development" else None)
        return accounts.passwords(file) if file else {}

    def amqp_url_for(self, party: str) -> str:
        """``AMQP_URL``'s broker as ``party``'s account, or ``AMQP_URL`` as given when no password is known."""
        password = self.broker_passwords().get(party)
        return with_credentials(self.amqp_url, self.broker_account(party), password) if password else self.amqp_url

    def amqp_urls_for(self, party: str) -> list[str]:
        """``amqp_url_for(party)`` on each node of the cluster, the first node first."""
        return failover.urls(self.amqp_url_for(party), [a for a in self.amqp_addresses.split(",") if a])

    def database_role(self, service: str) -> str:
        return f"{self.database_role_prefix}{service}"

    def database_owner(self, service: str) -> str:
        return f"{self.database_role_prefix}{service}_owner"

    def database_passwords(self) -> dict[str, str]:
        file = self.database_accounts_file or (DEV_DATABASE_ACCOUNTS if self.env == "development" else None)
        return accounts.passwords(file) if file else {}

    def database_url_for(self, service: str) -> str:
        """``DATABASE_URL``'s database as the service's runtime role, or as given when no password is known."""
        password = self.database_passwords().get(service)
        if not password:
            return self.database_url
        return with_credentials(self.database_url, self.database_role(service), password)
