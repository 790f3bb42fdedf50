"""Gongkai review service."""
