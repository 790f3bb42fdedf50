"""Participation's tests: the in-memory store lives in ``participation_fakes`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
