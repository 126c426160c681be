"""The detectors of rfsrules-pii: checksums, what counts as an email/phone/card/IBAN, masked values."""

from __future__ import annotations

import string
import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules_pii.detect import (
    IBAN_LENGTHS, card_brand, find_all, find_cards, find_emails, find_ibans, find_phones, iban_valid, luhn_valid,
)

DIGITS = st.text(alphabet="0123456789", min_size=12, max_size=18)


def luhn_complete(body: str) -> str:
    """``body`` plus the Luhn check digit that makes it valid."""
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable")


def iban_with_check_digits(country: str, bban: str) -> str:
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def grouped(text: str) -> str:
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


# --- Luhn and cards -------------------------------------------------------------------------------

@pytest.mark.parametrize("number, brand", [
    ("4111111111111111", "Visa"), ("4012888888881881", "Visa"), ("5555555555554444", "Mastercard"),
    ("2223003122003222", "Mastercard"), ("378282246310005", "American Express"),
    ("6011111111111117", "Discover"), ("3530111333300000", "JCB"), ("30569309025904", "Diners Club"),
    ("6200000000000005", "UnionPay"),
])
def test_known_test_card_numbers(number, brand):
    assert luhn_valid(number)
    assert card_brand(number) == brand
    assert [f.text for f in find_cards(f"paid with {number} yesterday")] == [number]


@given(DIGITS)
def test_luhn_accepts_completed_numbers_and_catches_any_single_digit_error(body):
    number = luhn_complete(body)
    assert luhn_valid(number)
    for i in range(len(number)):
        for d in "0123456789":
            if d != number[i]:
                assert not luhn_valid(number[:i] + d + number[i + 1:])
                break


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_visa_numbers_are_found_compact_grouped_or_hyphenated_but_not_masked(middle):
    number = luhn_complete("4" + middle)
    assert [f.masked for f in find_cards(f"card {number}.")] == [f"Visa card number ending in {number[-4:]}"]
    assert [f.text for f in find_cards(f"card: {grouped(number)}")] == [grouped(number)]
    assert len(find_cards("-".join(grouped(number).split()))) == 1
    assert find_cards(f"**** **** **** {number[-4:]}") == []
    assert find_cards(number[:6] + "******" + number[-4:]) == []


def test_cards_need_a_known_network_unless_told_otherwise():
    unknown = luhn_complete("999999999999999")  # 16 digits, no network starts with 9
    assert find_cards(unknown) == []
    assert [f.masked for f in find_cards(unknown, require_brand=False)] == [f"card number ending in {unknown[-4:]}"]


def test_cards_with_a_wrong_checksum_or_length_are_ignored():
    assert find_cards("4111111111111112") == []
    assert find_cards("411111111111") == []  # 12 digits
    assert find_cards("12345678901234.56") == []
    assert find_cards("41111111111111111111") == []  # 20 digits


# --- IBAN -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("iban", [
    "DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606", "NL91ABNA0417164300",
    "BE68539007547034", "CH9300762011623852957", "NO9386011117947", "ES9121000418450200051332",
])
def test_published_example_ibans_are_valid(iban):
    assert iban_valid(iban)
    assert [f.text for f in find_ibans(f"pay to {grouped(iban)} please")] == [grouped(iban)]
    assert [f.text for f in find_ibans(iban.lower())] == [iban.lower()]


@given(st.sampled_from(sorted(c for c in IBAN_LENGTHS if c != "XK")), st.data())
def test_generated_ibans_are_found_and_single_digit_errors_rejected(country, data):
    length = IBAN_LENGTHS[country] - 4
    bban = data.draw(st.text(alphabet=string.digits, min_size=length, max_size=length))
    iban = iban_with_check_digits(country, bban)
    assert iban_valid(iban)
    assert [f.masked for f in find_ibans(f"IBAN: {grouped(iban)}")] == [f"IBAN {country}** ending in {iban[-4:]}"]
    position = data.draw(st.integers(min_value=4, max_value=len(iban) - 1))
    wrong = iban[:position] + str((int(iban[position]) + 1) % 10) + iban[position + 1:]
    assert not iban_valid(wrong)
    assert find_ibans(wrong) == []


def test_iban_boundaries_and_masks():
    assert find_ibans("DE89 3704 0044 0532 0130 00 1234") != []  # a following group is a new token
    assert find_ibans("DE8937040044053201300012") == []  # longer than a German IBAN
    assert find_ibans("DE89 **** **** **** **30 00") == []
    assert find_ibans("XXDE89370400440532013000") == []
    assert find_ibans("ZZ89370400440532013000") == []  # no such country
    assert not iban_valid("DE8937040044053201300")  # too short


# --- email ----------------------------------------------------------------------------------------

LOCAL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
LABEL = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10)


@given(LOCAL, LABEL, st.sampled_from(["com", "io", "de", "co.kr"]))
def test_emails_are_found_and_asterisk_masked_ones_are_not(local, domain, tld):
    address = f"{local}@{domain}.{tld}"
    assert [f.text for f in find_emails(f"contact: <{address}>, thanks")] == [address]
    assert find_emails(f"{local[0]}***@{domain}.{tld}") == []
    assert find_emails(f"***@{domain}.{tld}") == []
    assert find_emails(f"{local}@***.{tld}") == []


def test_email_mask_keeps_first_letter_and_domain():
    assert [f.masked for f in find_emails("from Jane.Doe+x@Mail.Example.org")] == ["J***@Mail.Example.org"]
    assert find_emails("no at sign here") == []
    assert find_emails("user@localhost") == []  # no top-level domain


# --- phone ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, found", [
    ("+49 30 1234567", "+49 30 1234567"),
    ("call 0049 89 123456 now", "0049 89 123456"),
    ("010-1234-5678", "010-1234-5678"),
    ("(555) 123-4567", "(555) 123-4567"),
    ("555.123.4567", "555.123.4567"),
    ("030 1234567", "030 1234567"),
    ("tel:+44 20 7946 0958.", "+44 20 7946 0958"),
])
def test_phone_numbers(text, found):
    assert [f.text for f in find_phones(text)] == [found]


@pytest.mark.parametrize("text", [
    "2026-01-15 12:00:00", "15.01.2026 1200", "192.168.100.200", "3.14159265", "1.000.000.000", "10000-20000",
    "order 123456789012", "010-****-5678", "ts 1736942400", "v1.2.3", "+49 30", "12345678-1234-1234-1234-123456789012",
])
def test_not_phone_numbers(text):
    assert find_phones(text) == []


def test_plain_digit_runs_only_when_asked():
    assert find_phones("01012345678") == []
    assert [f.masked for f in find_phones("01012345678", plain_digits=True)] == ["phone number ending in 78"]


@settings(max_examples=50)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)))
def test_timestamps_are_not_personal_data(moment):
    assert find_all(moment.isoformat()) == []
    assert find_all(str(moment.timestamp())) == []


@settings(max_examples=100)
@given(st.uuids())
def test_uuids_are_not_personal_data(value):
    assert find_all(str(value)) == []
    assert find_all(str(uuid.UUID(int=value.int)).upper()) == []


def test_find_all_orders_findings_and_does_not_double_count_cards_as_phones():
    found = find_all("a@b.io then 4111 1111 1111 1111 then +1 415 555 2671 then DE89370400440532013000")
    assert [f.kind for f in found] == ["email", "credit_card", "phone", "iban"]
    assert [f.kind for f in find_all("4111 1111 1111 1111", ["phone", "credit_card"])] == ["credit_card"]
    assert [f.kind for f in find_all("a@b.io 4111 1111 1111 1111", ["email"])] == ["email"]
