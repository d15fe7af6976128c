"""The two editions: subscribers read everything, the public reads an abstract (what the
abstract keeps, and how, is insight.public)."""

from __future__ import annotations

from enum import StrEnum


class Edition(StrEnum):
    public = "public"
    subscriber = "subscriber"
