"""The review keys a service trusts (publishing, requests): ``GONGKAI_REVIEW_KEYS`` or ``GONGKAI_REVIEW_KEYS_FILE``.

Verifier keys, one a line or comma-separated, more than one while keys rotate. Without either, development
trusts the development review key; production refuses to start without keys of its own, and refuses the
development key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .decisions import KeyRing, development_signer


class ReviewKeySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", extra="ignore")

    env: str = "development"
    review_keys: str | None = Field(None, description="review's verifier keys")
    review_keys_file: Path | None = Field(None, description="a file of review's verifier keys")

    @model_validator(mode="after")
    def _own_review_keys_in_production(self) -> ReviewKeySettings:
        if self.env == "production":
            if self.review_keys is None and self.review_keys_file is None:
                raise ValueError("GONGKAI_REVIEW_KEYS or GONGKAI_REVIEW_KEYS_FILE is required when "
                                 "GONGKAI_ENV=production")
            if self.key_ring().holds(development_signer().verifier):
                raise ValueError("the development review key must not be trusted in production")
        return self

    def key_ring(self) -> KeyRing:
        if self.review_keys is not None:
            return KeyRing.parse(self.review_keys)
        if self.review_keys_file is not None:
            return KeyRing.parse(self.review_keys_file.read_text())
        return KeyRing([development_signer().verifier])
