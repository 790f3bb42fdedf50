"""The audit service's own configuration (environment, prefix ``GONGKAI_AUDIT_``).

The signing key is configuration, never stored in the database: ``GONGKAI_AUDIT_SIGNING_KEY`` holds
the signer key itself, or ``GONGKAI_AUDIT_SIGNING_KEY_FILE`` names a file holding it. Without either,
development uses the key shipped in ``dev_signing_key.txt``; production (``GONGKAI_ENV=production``)
refuses to start without a key of its own, and refuses the development key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .checkpoint import Signer

DEV_SIGNING_KEY = Path(__file__).with_name("dev_signing_key.txt")


class AuditConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_AUDIT_", extra="ignore", populate_by_name=True)

    env: str = Field("development", validation_alias="GONGKAI_ENV")
    signing_key: SecretStr | None = None
    signing_key_file: Path | None = None
    origin: str = Field("gongkai.local/audit", min_length=1, max_length=200, pattern=r"^[^\n]+$",
                        description="the log's name in its checkpoints")
    checkpoint_interval_seconds: float = Field(60.0, gt=0, le=86_400)
    db_role: str | None = Field(None, pattern=r"^[a-z_][a-z0-9_]{0,62}$",
                                description="SET ROLE on every connection; unset, as the service logs in as its "
                                            "runtime role, which is already INSERT and SELECT only")
    known_source_prefix: str = Field("/gongkai/", description="events from other sources are flagged")
    agency_name: str = Field("某市交通运输局", min_length=2, max_length=64, validation_alias="GONGKAI_AGENCY_NAME",
                             description="the agency whose annual report it is")

    @model_validator(mode="before")
    @classmethod
    def _empty_role_means_none(cls, values: Any) -> Any:  # before validation: whatever was passed
        if isinstance(values, dict) and values.get("db_role") == "":
            values["db_role"] = None
        return values

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> AuditConfig:
        if self.env == "production":
            if self.signing_key is None and self.signing_key_file is None:
                raise ValueError("GONGKAI_AUDIT_SIGNING_KEY or GONGKAI_AUDIT_SIGNING_KEY_FILE is required "
                                 "when GONGKAI_ENV=production")
            if self.signer().seed == Signer.parse(DEV_SIGNING_KEY.read_text()).seed:
                raise ValueError("the development signing key must not be used in production")
        return self

    def signer(self) -> Signer:
        if self.signing_key is not None:
            return Signer.parse(self.signing_key.get_secret_value())
        return Signer.parse((self.signing_key_file or DEV_SIGNING_KEY).read_text())
