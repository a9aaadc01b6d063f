"""Subject keys: our check-character formulas agree with python-stdnum's reference ones."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from onegrid.demo import factories
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.identity import (
    check_credit_code,
    check_resident_id,
    mask_resident_ids,
    subject_key,
)

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
credit_codes = st.builds(lambda head, rest: head + rest,
                         st.text("0123456789", min_size=8, max_size=8),
                         st.text(USCC_CHARS, min_size=10, max_size=10))
birth_dates = st.dates(date(1900, 1, 1), date(2025, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
resident_ids = st.builds(lambda region, born, serial, last: region + born + serial + last,
                         st.sampled_from(["330302", "110101", "350503"]), birth_dates,
                         st.text("0123456789", min_size=3, max_size=3),
                         st.sampled_from("0123456789X"))


def _accepts(check, value: str) -> bool:
    try:
        check(value)
    except InvalidInputError:
        return False
    return True


@settings(max_examples=3000)
@given(credit_codes)
def test_credit_code_check_agrees_with_stdnum(code: str) -> None:
    assert _accepts(check_credit_code, code) == uscc.is_valid(code)


@settings(max_examples=3000)
@given(resident_ids)
def test_resident_id_check_digit_agrees_with_stdnum(number: str) -> None:
    reference = number[-1] == ric.calc_check_digit(number)
    assert _accepts(check_resident_id, number) == reference


def test_generated_codes_are_valid_and_corrupted_ones_are_not() -> None:
    rng = random.Random(5)
    for _ in range(500):
        code, rid = factories.credit_code(rng), factories.resident_id(rng)
        assert _accepts(check_credit_code, code) and _accepts(check_resident_id, rid)
        assert not _accepts(check_credit_code, factories.corrupt(code))
        assert not _accepts(check_resident_id, factories.corrupt(rid))


def test_a_resident_id_is_kept_only_as_keyed_hash_and_mask() -> None:
    key = subject_key("resident_id", "330302198001011230", "secret")
    assert key.masked == "330302********1230"
    assert "198001011230" not in key.key and len(key.key) == 64
    assert key.key != subject_key("resident_id", "330302198001011230", "other").key


@pytest.mark.parametrize(("value", "reason"), [
    ("330302198013011230", "check character"),
    ("33030219800101123", "18 characters"),
    ("33030219800231123X", "check character|birth date"),
])
def test_bad_resident_ids_say_why_without_echoing_the_number(value: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as err:
        check_resident_id(value)
    assert value not in str(err.value)


@pytest.mark.parametrize(("kind", "value"), [
    ("address_code", "330302001\n"), ("building_code", "B-0001\n"), ("event_id", "e-1\n"),
    ("event_id", "e 1"), ("address_code", "33030"), ("facility_code", "F-1/2")])
def test_a_malformed_key_is_refused_whole(kind: str, value: str) -> None:
    """A trailing newline too: accepted, it would make a second subject of the same key."""
    with pytest.raises(InvalidInputError, match="is malformed"):
        subject_key(kind, value, "secret")


@pytest.mark.parametrize("digit", ["²", "٣", "３"])  # str.isdigit() says yes to each
def test_digits_other_than_ascii_are_refused_not_crashed_on(digit: str) -> None:
    code = factories.credit_code(random.Random(1))
    with pytest.raises(InvalidInputError, match="not allowed"):
        check_credit_code(digit + code[1:])
    rid = factories.resident_id(random.Random(1))
    with pytest.raises(InvalidInputError, match="must be digits"):
        check_resident_id(rid[:3] + digit + rid[4:])


def test_every_resident_id_in_a_text_is_masked_where_it_stands() -> None:
    rid = "330302198001011230"
    assert mask_resident_ids(f"身份证{rid}，电话0577-1") == "身份证330302********1230，电话0577-1"
    assert mask_resident_ids(f'{{"a": "{rid}", "b": ["33030219800101006x"]}}') == (
        '{"a": "330302********1230", "b": ["330302********006x"]}')
    assert mask_resident_ids(f"9{rid}77") == "9330302********123077"  # inside a longer number


def test_an_id_typed_in_full_width_digits_is_masked_too() -> None:
    full = "３３０３０２１９８００１０１１２３０"
    assert mask_resident_ids(f"号码：{full}。") == "号码：３３０３０２********１２３０。"


def test_other_numbers_stay_unless_they_are_known_resident_ids() -> None:
    """An 18-digit order number that fails the check stays (one that passes is masked: it may
    be a resident ID); a wrong check character in a field declared a resident ID is masked."""
    order = factories.corrupt(factories.resident_id(random.Random(3)))
    assert mask_resident_ids(f"order {order}, 12345678901234567") == (
        f"order {order}, 12345678901234567")
    assert mask_resident_ids(f"id {order}", known={order}) == (
        f"id {order[:6]}********{order[-4:]}")


@given(st.text(), resident_ids.map(lambda rid: rid[:17] + ric.calc_check_digit(rid)), st.text())
def test_no_valid_resident_id_survives_in_any_text(before: str, rid: str, after: str) -> None:
    masked = mask_resident_ids(before + rid + after)
    assert rid not in masked and len(masked) == len(before + rid + after)
