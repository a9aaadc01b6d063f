"""Signed departmental streams: every message carries ``onegrid-signature: kid=<kid>,v1=<hex>``,
an HMAC-SHA256 of its value under its department's ingest key (docs/ingest.md §2)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from onegrid.platform.accounts.ingest_keys import KeyState

SIGNATURE_HEADER = "onegrid-signature"
_KID, _V1 = b"kid=", b",v1="


def signature(kid: str, secret: str, value: bytes) -> bytes:
    """The header's value for ``value`` signed with the key ``kid`` whose secret is ``secret``."""
    return _KID + kid.encode() + _V1 + _mac(secret.encode("ascii"), value)


def _mac(secret: bytes, value: bytes) -> bytes:
    return hmac.digest(secret, value, "sha256").hex().encode()


class Keyring:
    """The keys one worker verifies with, cached (kid → department and secret); ``required``
    False accepts unsigned messages (a development store) but still checks signed ones."""

    def __init__(self, keys: Mapping[str, KeyState], required: bool = True) -> None:
        self.keys = {kid.encode(): state for kid, state in keys.items()}
        # each key's HMAC with the key already absorbed: a message costs a copy and its own
        # bytes (≈ 2x faster than hmac.digest, which derives the key's pads every call)
        self.macs = {kid: hmac.new(state.secret, digestmod=hashlib.sha256)
                     for kid, state in self.keys.items() if state.secret is not None}
        self.required = required

    def refusal(self, header: bytes | None, value: bytes, department: str) -> str | None:
        """Why a message with this signature header, value and envelope department is refused,
        or None when its signature holds (or it is unsigned and signatures are not required)."""
        if header is None:
            return ("the message is unsigned: sign it with an ingest key of its department "
                    f"(header {SIGNATURE_HEADER}, docs/ingest.md §2)") if self.required else None
        kid, v1, mac = header.removeprefix(_KID).partition(_V1)
        if not header.startswith(_KID) or not v1:
            return (f"the {SIGNATURE_HEADER} header is malformed: expected "
                    "kid=<kid>,v1=<hex of HMAC-SHA256>")
        state = self.keys.get(kid)
        if state is not None and state.secret is not None and state.department == department:
            computed = self.macs[kid].copy()
            computed.update(value)
            if hmac.compare_digest(computed.hexdigest().encode(), mac.lower()):
                return None
        named = kid[:32].decode("ascii", "replace")  # only for the reason: most messages pass
        if state is None:
            return f"unknown ingest key {named!r}"
        if state.secret is None:
            return f"ingest key {named!r} is {state.unusable}"
        if state.department != department:
            return (f"ingest key {named!r} is {state.department}'s, but the message says it is "
                    f"from department {department!r}")
        return (f"the signature does not match the message (ingest key {named!r}): signed "
                "with another secret, or the value changed after signing")
