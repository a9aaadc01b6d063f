"""The key that signs trace checkpoints: Ed25519, kept in a file only its owner may read.

The private key never enters the database or a log; auditors keep the public key (PEM,
SubjectPublicKeyInfo, as `openssl pkey -pubout` prints it) and verify checkpoints with it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from onegrid.platform.errors import ConfigurationError, InvalidInputError

KEY_MODE = 0o600


def signing_key(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``, created (mode 0600) on first use. A key file that others may read or
    that holds no Ed25519 key is refused with a ConfigurationError naming the file."""
    if not path.exists():
        try:
            return _create(path)
        except FileExistsError:  # another process created it meanwhile: use theirs
            pass
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(f"{path} may be read by others (mode {mode:o}): "
                                 f"`chmod 600 {path}`, or better, make a new key")
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} holds no unencrypted Ed25519 private key (PEM)")
    return key


def _create(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never overwrite a key that checkpoints were signed with; the mode is set at
    # creation, so the key is never readable by others, not even for an instant
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; anything else is an InvalidInputError naming ``source``."""
    try:
        key = load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInputError(f"{source} holds no Ed25519 public key (PEM)")
    return key
