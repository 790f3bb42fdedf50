"""The console's configuration, from the environment (prefix ``GONGKAI_CONSOLE_``; ``GONGKAI_ENV`` as the services).

The console holds no secret of its own: sessions live in its memory under random ids, and the only
credential it ever sees is the staff token a person signs in with.
"""

from __future__ import annotations

import json
from typing import Literal

from gongkai.shared.settings import DEV_CREDENTIALS
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("publishing", "review", "notification", "audit", "requests", "participation", "oversight")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_CONSOLE_", extra="ignore", populate_by_name=True)

    env: Literal["development", "production"] = Field(
        "development", validation_alias=AliasChoices("GONGKAI_ENV", "GONGKAI_CONSOLE_ENV"))
    publishing_url: str = "http://127.0.0.1:8001"
    review_url: str = "http://127.0.0.1:8002"
    notification_url: str = "http://127.0.0.1:8003"
    audit_url: str = "http://127.0.0.1:8004"
    requests_url: str = "http://127.0.0.1:8005"
    participation_url: str = "http://127.0.0.1:8006"
    oversight_url: str = "http://127.0.0.1:8007"
    session_idle_seconds: int = Field(1800, ge=1, le=86_400, description="a session unused this long ends")
    session_max_seconds: int = Field(8 * 3600, ge=1, le=7 * 86_400, description="and any session after this long")
    max_sessions: int = Field(10_000, ge=10, le=1_000_000, description="the oldest are dropped past this")
    timeout_seconds: float = Field(15.0, gt=0, le=120)

    @field_validator("publishing_url", "review_url", "notification_url", "audit_url", "requests_url",
                     "participation_url", "oversight_url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("a service URL starts with http:// or https://")
        return url.rstrip("/")

    @property
    def production(self) -> bool:
        return self.env == "production"

    def url(self, service: str) -> str:
        url: str = getattr(self, f"{service}_url")
        return url


def development_token_hashes() -> frozenset[str]:
    """The SHA-256 of every development token (``dev-…-token``): production refuses them at sign-in."""
    return frozenset(p["token_sha256"] for p in json.loads(DEV_CREDENTIALS.read_text(encoding="utf-8"))["principals"])
