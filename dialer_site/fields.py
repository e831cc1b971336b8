"""Model fields whose values are encrypted at rest with Fernet (AES-128-CBC + HMAC).

The keys come from settings.CREDENTIALS_KEYS: the first encrypts, all decrypt
(MultiFernet), so keys rotate by putting a new key first and running
`manage.py rotate_credentials`, which re-encrypts every stored value.
"""

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated; make one with `manage.py generate_credentials_key`."
        ) from exc


def credentials_fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.CREDENTIALS_KEYS))


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token. Never filter or order by it."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return credentials_fernet().encrypt(self.to_plaintext(value).encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            plaintext = credentials_fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                f"A stored {self.model.__name__}.{self.name} cannot be decrypted with "
                "any CREDENTIALS_KEY: was the key that encrypted it removed?"
            ) from exc
        return self.from_plaintext(plaintext)

    def to_plaintext(self, value) -> str:
        return str(value)

    def from_plaintext(self, plaintext: str):
        return plaintext


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (for example {"username": ..., "password": ...}), encrypted."""

    def to_plaintext(self, value) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def from_plaintext(self, plaintext: str):
        return json.loads(plaintext)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    def value_to_string(self, obj):
        return self.to_plaintext(self.value_from_object(obj))


def encrypted_fields():
    """Every (model, field) pair in the project that stores an encrypted value."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field
