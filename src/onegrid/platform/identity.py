"""Subject keys: check them, and keep personal ones only as a keyed hash and a masked form.

Unified social credit codes (GB 32100) and resident ID numbers (GB 11643) carry check
characters; python-stdnum implements both standards. A resident ID is personal information: the
clear value never reaches the store or a log, only HMAC-SHA256 under the platform's PII key
(so the same person links across datasets) and a masked form such as 330302********1234."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from onegrid.platform.errors import InvalidInput

_CODE = re.compile(r"^[0-9A-Za-z-]{6,40}$")  # address, building and facility codes
_EVENT_ID = re.compile(r"^[0-9A-Za-z._:-]{1,64}$")


@dataclass(frozen=True)
class SubjectKey:
    kind: str
    key: str  # what the store keeps: the natural key, or its keyed hash
    masked: str  # what may be shown to anybody


def mask(resident_id: str) -> str:
    return resident_id[:6] + "*" * 8 + resident_id[-4:]


def pii_hash(value: str, pii_key: str) -> str:
    return hmac.new(pii_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def check_resident_id(value: str) -> str:
    """The compact resident ID, or InvalidInput saying what is wrong (never echoing the value)."""
    # Not ric.validate(): its place-of-birth table lacks real district codes such as 330302.
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidInput("resident ID number is invalid: it must be 18 characters")
    if not number[:-1].isdigit():
        raise InvalidInput("resident ID number is invalid: the first 17 characters must be digits")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidInput("resident ID number is invalid: the check character is wrong")
    try:
        ric.get_birth_date(number)
    except ValidationError:
        raise InvalidInput("resident ID number is invalid: its birth date does not exist") from None
    return number


def check_credit_code(value: str) -> str:
    try:
        return uscc.validate(value)
    except ValidationError as exc:
        raise InvalidInput(
            f"unified social credit code {value[:40]!r} is invalid: {_why(exc)}") from None


def subject_key(kind: str, value: str, pii_key: str) -> SubjectKey:
    """Validate ``value`` as a key of ``kind`` and return the form the store keeps."""
    if kind == "resident_id":
        clear = check_resident_id(value)
        return SubjectKey(kind, pii_hash(clear, pii_key), mask(clear))
    if kind == "credit_code":
        code = check_credit_code(value)
        return SubjectKey(kind, code, code)
    pattern = _EVENT_ID if kind == "event_id" else _CODE
    if not pattern.match(value):
        raise InvalidInput(f"{kind.replace('_', ' ')} {value[:70]!r} is malformed "
                           f"(expected {pattern.pattern})")
    return SubjectKey(kind, value, value)


def _why(exc: ValidationError) -> str:
    return {
        "InvalidChecksum": "the check character is wrong",
        "InvalidLength": "it must be 18 characters",
        "InvalidFormat": "it contains characters that are not allowed",
        "InvalidComponent": "its registration-authority or region part is not valid",
    }.get(type(exc).__name__, str(exc))
