"""Model fields shared by every app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import Lookup, Transform

from amends.core import crypto

__all__ = ["EncryptedTextField", "LongTextField"]


class EncryptedTextField(models.TextField):
    """A text column whose database value is a Fernet token and whose Python value is plain `str`.

    * Saving encrypts with the first key of `settings.AMENDS_FIELD_KEYS` (see `amends.core.crypto`);
      loading decrypts with any of them. `None` stays `None`; "" stays "".
    * The only allowed lookup is `isnull`. Tokens are randomised, so `exact`, `icontains`,
      ordering-by-value and the like would silently match nothing: they raise `FieldError` instead.
      To find rows by value, store `crypto.blind_index(normalised_value, purpose=...)` in a
      separate indexed column and filter on that.
    * Do not set `unique=True` or `db_index=True` on it: both would act on ciphertext.
    * A value that no key can decrypt raises `crypto.DecryptionFailed` when the row is loaded.
    """

    description = "Text encrypted at rest (Fernet)"

    def get_prep_value(self, value: Any) -> Any:
        """Python value -> token for the database (None stays None)."""
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(str(value))

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        """Token from the database -> plaintext (None stays None)."""
        if value is None:
            return None
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str | None:
        """Any assigned value -> `str` (None stays None). Never decrypts: values here are clear."""
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def _refuse(self, name: str) -> FieldError:
        return FieldError(
            f"EncryptedTextField {self.name!r} cannot be searched with {name!r}: its stored value "
            "is randomised ciphertext. Only 'isnull' is supported; filter on a blind-index column "
            "instead."
        )

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        """Allow only `isnull`; any other lookup raises `FieldError` (see class docstring)."""
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise self._refuse(lookup_name)

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        """Refuse every transform (`lower`, `unaccent`, ...): they would act on ciphertext."""
        raise self._refuse(lookup_name)


class LongTextField(models.TextField):
    """A text column for long prose written many rows at a time (a message's body).

    A bulk insert on PostgreSQL normally sends each column as one array (`UNNEST(%s::text[])`),
    which spares the server's planner but makes psycopg escape every value for an array literal
    in Python, character class by character class: for a chunk of 183 messages of a few
    kilobytes each, 156 ms against 48 ms as a plain `VALUES` list (`docs/benchmarks.md`). A
    field with its own placeholder makes Django write the `VALUES` list instead."""

    def get_placeholder(self, value: Any, compiler: Any, connection: BaseDatabaseWrapper) -> str:
        return "%s"
