"""Gongkai audit service."""
