"""Notification's own configuration (environment, prefix ``GONGKAI_NOTIFICATION_``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_NOTIFICATION_", extra="ignore", populate_by_name=True)

    policy_file: Path | None = Field(
        None, validation_alias=AliasChoices("GONGKAI_DEADLINE_RULES_FILE", "GONGKAI_NOTIFICATION_POLICY_FILE"),
        description="deadline rules, shared with publishing (default: gongkai.shared's deadline_rules.toml)")
    contacts_file: Path | None = Field(None, description="people to notify (default: the development contacts)")
    calendar_dir: Path | None = Field(
        None, validation_alias=AliasChoices("GONGKAI_CALENDAR_DIR", "GONGKAI_NOTIFICATION_CALENDAR_DIR"),
        description="extra year files (<year>.toml) read at start, shared with publishing")
    time_zone: str = "Asia/Shanghai"

    monitor_interval: float = Field(60.0, ge=0, description="seconds between monitor checks; 0 turns it off")
    monitor_batch: int = Field(500, ge=1, le=10_000)
    now: datetime | None = Field(None, description="(tests and drills) the monitor's clock, fixed")

    sender_interval: float = Field(1.0, ge=0, description="seconds between delivery rounds; 0 turns it off")
    sender_batch: int = Field(50, ge=1, le=1000)
    max_attempts: int = Field(6, ge=1, le=50, description="a delivery failing this often is parked")
    backoff_seconds: float = Field(30.0, gt=0, description="first retry delay; doubled each attempt")
    backoff_max_seconds: float = Field(3600.0, gt=0)

    parking_check_interval: float = Field(30.0, ge=0, description="seconds between counts of the parking "
                                                                  "queues; 0 turns the alert off")
    parking_alert_interval: float = Field(3600.0, gt=0, description="the administrators are told at most once "
                                                                   "per this many seconds while anything is parked")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "gongkai@example.gov.cn"
    smtp_timeout: float = Field(10.0, gt=0)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None

    webhook_secret: str = Field("dev-webhook-secret", min_length=8,
                                description="HMAC-SHA256 key unless a contact has its own")
    webhook_timeout: float = Field(5.0, gt=0)
