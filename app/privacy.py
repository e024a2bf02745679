"""Personal data of evaluators: encryption at rest, lookup hashes and masking.

Phone and certificate numbers are encrypted with Fernet keys from configuration (``DATA_KEYS``:
the first key encrypts, all keys decrypt, so keys can be rotated). A keyed HMAC gives an
equality lookup without storing the clear value. Answers show masked values unless the
caller's role needs to call the evaluator back.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

# Roles that contact evaluators (verification, feedback, return visits) and so may see contact data.
CONTACT_ROLES = frozenset({"handler", "dept_lead", "supervisor", "supervisor_lead"})


class PrivacyKeyError(RuntimeError):
    pass


class _Keyring:
    def __init__(self) -> None:
        self._fernet: MultiFernet | None = None
        self._hmac_key: bytes | None = None

    def configure(self, keys: list[str] | str) -> None:
        if isinstance(keys, str):
            keys = [k for k in keys.split(",") if k.strip()]
        if not keys:
            raise PrivacyKeyError("DATA_KEYS is empty: personal data cannot be encrypted")
        try:
            self._fernet = MultiFernet([Fernet(k.strip()) for k in keys])
        except ValueError as exc:
            raise PrivacyKeyError(f"DATA_KEYS holds an invalid Fernet key: {exc}") from None
        self._hmac_key = hashlib.sha256(b"hcp-lookup:" + keys[0].strip().encode()).digest()

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise PrivacyKeyError("personal-data keys are not configured")
        return self._fernet

    def lookup_hash(self, value: str) -> str:
        if self._hmac_key is None:
            raise PrivacyKeyError("personal-data keys are not configured")
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()


keyring = _Keyring()


class EncryptedString(TypeDecorator):
    """A string column stored as Fernet ciphertext."""

    impl = String(512)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return keyring.fernet.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        try:
            return keyring.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise PrivacyKeyError("stored personal data cannot be decrypted with DATA_KEYS") from None


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_certificate(cert: str | None) -> str | None:
    if not cert:
        return cert
    if len(cert) <= 8:
        return "*" * len(cert)
    return cert[:4] + "*" * (len(cert) - 8) + cert[-4:]


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_CERT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Masks anything in free text that looks like a mainland mobile or resident ID number."""
    text = _CERT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class RedactingFilter(logging.Filter):
    """Keeps phone and ID numbers out of every log line, whatever the caller formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def init_app(app) -> None:
    keyring.configure(app.config["DATA_KEYS"])
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in root.filters):
        root.addFilter(RedactingFilter())
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
