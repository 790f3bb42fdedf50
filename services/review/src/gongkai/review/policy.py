"""The review policy: what each risk level needs, which attachments may go out, which keywords to screen.

Read from a JSON or YAML file (``GONGKAI_REVIEW_POLICY``; the shipped ``policy.default.json`` otherwise).
Risk is the highest severity among a version's findings (``none`` when there are none).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from gongkai.shared.contracts import MIN_APPROVALS, Finding
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Risk = Literal["blocked", "high", "medium", "low", "none"]
RISKS: tuple[Risk, ...] = ("blocked", "high", "medium", "low", "none")
DEFAULT_POLICY = Path(__file__).with_name("policy.default.json")


class PolicyError(ValueError):
    pass


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["reject", "review"] = "review"
    approvals: int = Field(1, ge=1, le=5, description="different reviewers who must approve")


class AutoApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    risks: list[Literal["low", "none"]] = ["low", "none"]
    categories: list[str] = Field([], description="categories whose low-risk versions need no reviewer")


class Attachments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Literal["blocked", "high", "medium", "low"] = "blocked"
    media_types: list[str] = []
    extensions: list[str] = []

    def refusal(self, name: str, media_type: str) -> str | None:
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if media_type.split(";")[0].strip().lower() not in {m.lower() for m in self.media_types}:
            return f"附件类型 {media_type} 不在允许清单内 / media type not allowed"
        if extension not in {e.lower().lstrip(".") for e in self.extensions}:
            return f"附件扩展名 .{extension or '（无）'} 不在允许清单内 / file extension not allowed"
        return None


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: dict[Risk, Level]
    auto_approve: AutoApprove = AutoApprove()
    attachments: Attachments = Attachments()
    keywords: Path | None = Field(None, description="keyword file, relative to the policy file")

    @model_validator(mode="after")
    def _every_level(self) -> Policy:
        missing = [r for r in RISKS if r not in self.levels]
        if missing:
            raise ValueError(f"levels lacks {', '.join(missing)}")
        if self.levels["blocked"].outcome != "reject":
            raise ValueError("levels.blocked.outcome must be 'reject': a blocked version is never reviewed")
        for risk, floor in MIN_APPROVALS.items():
            level = self.levels[risk]
            if level.outcome == "review" and level.approvals < floor:
                raise ValueError(f"levels.{risk}.approvals is {level.approvals}; risk {risk} needs at least "
                                 f"{floor} (publishing refuses fewer)")
        return self

    def approvals(self, risk: Risk) -> int:
        return self.levels[risk].approvals

    def rejects(self, risk: Risk) -> bool:
        return self.levels[risk].outcome == "reject"

    def auto_approves(self, risk: Risk, category: str) -> bool:
        return risk in self.auto_approve.risks and category in self.auto_approve.categories


def risk_of(findings: list[Finding]) -> Risk:
    severities = {f.severity for f in findings}
    return next((r for r in RISKS if r in severities), "none")


def load(path: Path | None = None) -> Policy:
    """The policy in ``path`` (or ``GONGKAI_REVIEW_POLICY``, or the default); keyword paths made absolute."""
    path = path or Path(os.environ.get("GONGKAI_REVIEW_POLICY") or DEFAULT_POLICY)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"policy file {path}: {exc}") from exc
    import yaml

    try:
        data = yaml.safe_load(raw) if path.suffix.lower() in (".yaml", ".yml") else json.loads(raw)
        policy = Policy.model_validate(data)
    except (ValueError, ValidationError, yaml.YAMLError) as exc:
        raise PolicyError(f"policy file {path}: {exc}") from exc
    if policy.keywords is not None and not policy.keywords.is_absolute():
        policy = policy.model_copy(update={"keywords": path.parent / policy.keywords})
    return policy


def keyword_path(policy: Policy) -> Path | None:
    env = os.environ.get("GONGKAI_REVIEW_KEYWORDS")
    return Path(env) if env else policy.keywords
