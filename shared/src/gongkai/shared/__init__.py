"""Contracts and plumbing shared by every Gongkai service.

A service imports from here, never from another service.
"""
