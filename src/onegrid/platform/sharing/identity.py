"""Subject keys: check them, and keep personal ones only as a keyed hash and a masked form.

Unified social credit codes (GB 32100) and resident ID numbers (GB 11643) carry check
characters. python-stdnum implements both standards, but its general clean-up of the input
alone cost a third of ingest's time per record, so the two check-character formulas are written
out here and tests hold them to stdnum's on generated codes. A resident ID is personal
information: the clear value never reaches the store or a log, only HMAC-SHA256 under the
platform's PII key (so the same person links across datasets) and a masked form such as
330302********1234."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Container
from datetime import date

import msgspec

from onegrid.platform.errors import InvalidInputError

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")  # the first 8 digits, then the alphabet
# Both check sums weigh each character's value by a power: 3^i (mod 31) for a credit code's
# i-th character (1, 3, 9, 27, 19, …), 2^(17-i) (mod 11) for a resident ID's (7, 9, 10, 5, …).
# Modulo the same number, such a sum is the characters read as one number in a base congruent
# to the power's root, which int() does in C (0.3 against 0.7 µs a key for a table lookup a
# character; every ingested key is checked): a credit code read backwards in base 34 ≡ 3
# (mod 31), a resident ID in base 13 ≡ 2 (mod 11), then doubled (the last weight is 2^1).
_USCC_DIGITS = bytes.maketrans(_USCC_ALPHABET.encode(), b"0123456789abcdefghijklmnopqrstu")
# Whole keys (fullmatch: "$" would also take a trailing newline, and so a second subject)
_CODE = re.compile(r"[0-9A-Za-z-]{6,40}")  # address, building and facility codes
_EVENT_ID = re.compile(r"[0-9A-Za-z._:-]{1,64}")
# Where a resident ID may stand in a text: 17 digits, then a digit or X, ASCII or full-width (as
# a Chinese input method types them). A lookahead, so that the windows overlap: in a longer run
# of digits, the 18 characters from each position are tried.
_RESIDENT_ID_WINDOW = re.compile(r"(?=([0-9０-９]{17}[0-9０-９XxＸｘ]))")
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


class SubjectKey(msgspec.Struct, frozen=True, gc=False):  # one per ingested message: built in C
    key: str  # what the store keeps: the natural key, or its keyed hash
    masked: str  # what may be shown to anybody


def mask(resident_id: str) -> str:
    return resident_id[:6] + "*" * 8 + resident_id[-4:]


def mask_resident_ids(text: str, known: Container[str] = ()) -> str:
    """``text`` with each resident ID in it masked where it stands, as mask() writes one
    (330302********1234): every 18 characters that check_resident_id accepts (check character
    and birth date), and every 18 of an ID's shape that are one of ``known`` (values a dataset
    declares resident IDs, which are personal with a wrong check character too). Any other run
    of digits, such as an order number, stays as it is."""
    starts = [window.start() for window in _RESIDENT_ID_WINDOW.finditer(text)
              if window[1] in known or is_resident_id(window[1].translate(_HALF_WIDTH))]
    if not starts:
        return text
    characters = list(text)
    for start in starts:
        characters[start + 6:start + 14] = "*" * 8
    return "".join(characters)


def passes(check: Callable[[str], object]) -> Callable[[str], bool]:
    """``check`` (one that raises InvalidInputError) as a yes-or-no test."""
    def accepts(value: str) -> bool:
        try:
            check(value)
        except InvalidInputError:
            return False
        return True
    return accepts


def pii_hash(value: str, pii_key: str) -> str:
    return hmac.new(pii_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def check_resident_id(value: str) -> str:
    """The compact resident ID, or InvalidInputError saying what is wrong (never echoing the
    value)."""
    # Not ric.validate(): its place-of-birth table lacks real district codes such as 330302.
    number = value.upper()
    if len(number) != 18:
        raise InvalidInputError("resident ID number is invalid: it must be 18 characters")
    if not (number.isascii() and number[:-1].isdigit()):  # isdigit alone takes "٣" and "²"
        raise InvalidInputError(
            "resident ID number is invalid: the first 17 characters must be digits")
    if number[-1] != "10X98765432"[2 * int(number[:17], 13) % 11]:
        raise InvalidInputError("resident ID number is invalid: the check character is wrong")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInputError(
            "resident ID number is invalid: its birth date does not exist") from None
    return number


def check_credit_code(value: str) -> str:
    """The credit code, or InvalidInputError saying what is wrong with it."""
    if len(value) != 18:
        problem = "it must be 18 characters"
    elif not _USCC.fullmatch(value):
        problem = "it contains characters that are not allowed (no I, O, S, V or Z)"
    elif value[-1] != _USCC_ALPHABET[-_reversed_base34(value) % 31]:
        problem = "the check character is wrong"
    else:
        return value
    raise InvalidInputError(f"unified social credit code {value[:40]!r} is invalid: {problem}")


def _reversed_base34(code: str) -> int:
    return int(code.encode()[16::-1].translate(_USCC_DIGITS), 34)


def subject_key(kind: str, value: str, pii_key: str) -> SubjectKey:
    """Validate ``value`` as a key of ``kind`` and return the form the store keeps."""
    if kind == "resident_id":
        clear = check_resident_id(value)
        return SubjectKey(pii_hash(clear, pii_key), mask(clear))
    if kind == "credit_code":
        code = check_credit_code(value)
        return SubjectKey(code, code)
    pattern = _EVENT_ID if kind == "event_id" else _CODE
    if not pattern.fullmatch(value):
        raise InvalidInputError(f"{kind.replace('_', ' ')} {value[:70]!r} is malformed "
                                f"(expected {pattern.pattern})")
    return SubjectKey(value, value)




is_resident_id = passes(check_resident_id)
is_credit_code = passes(check_credit_code)
