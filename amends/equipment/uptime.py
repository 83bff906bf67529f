"""Uptime over opening hours (signatures first)."""

from __future__ import annotations
