"""Encryption at rest and keyed lookup hashes for personal identifiers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
settings.PII_ENCRYPTION_KEYS; the first key encrypts, every key decrypts, so keys can be rotated.
A full value is found by its HMAC-SHA256 under settings.PII_HASH_KEY, never by decrypting rows.
"""

import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    return hmac.digest(settings.PII_HASH_KEY.encode(), value.encode(), "sha256").hex()
