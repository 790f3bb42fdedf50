"""The review service's own configuration (environment, prefix ``GONGKAI_REVIEW_``).

Review signs every decision it emits. The signing key is configuration, never stored in the database:
``GONGKAI_REVIEW_SIGNING_KEY`` holds the signer key itself (``PRIVATE+KEY+<name>+<id>+<base64>``,
made by ``gongkai keygen``), or ``GONGKAI_REVIEW_SIGNING_KEY_FILE`` names a file holding it. Without
either, development uses the key shipped in ``gongkai.shared`` (``dev_review_key.txt``), which every
publishing in development trusts; production refuses to start without a key of its own, and refuses
the development key.
"""

from __future__ import annotations

from pathlib import Path

from gongkai.shared.decisions import development_signer
from gongkai.shared.keys import Signer
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReviewConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_REVIEW_", extra="ignore", populate_by_name=True)

    env: str = Field("development", validation_alias="GONGKAI_ENV")
    signing_key: SecretStr | None = None
    signing_key_file: Path | None = None

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> ReviewConfig:
        if self.env == "production":
            if self.signing_key is None and self.signing_key_file is None:
                raise ValueError("GONGKAI_REVIEW_SIGNING_KEY or GONGKAI_REVIEW_SIGNING_KEY_FILE is required "
                                 "when GONGKAI_ENV=production")
            if self.signer().seed == development_signer().seed:
                raise ValueError("the development review signing key must not be used in production")
        return self

    def signer(self) -> Signer:
        if self.signing_key is not None:
            return Signer.parse(self.signing_key.get_secret_value())
        if self.signing_key_file is not None:
            return Signer.parse(self.signing_key_file.read_text())
        return development_signer()
