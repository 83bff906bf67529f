"""Typed domain errors. Faces turn them into a form message (console) or a 4xx with `code` (API).

Every error carries a stable machine-readable `code` and a human message that is already
translated (lazy) for the viewer's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose. Nothing was changed when it is raised."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: Any = "", *, code: str | None = None, **params: Any) -> None:
        super().__init__(str(message) if message else self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.params = params

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 400


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class StaleVersion(DomainError):
    code = "stale_version"
    http_status = 409
