"""Gongkai notification service."""
