"""Finding unmasked personal data in text: emails, phone numbers, payment card numbers (Luhn) and IBANs (mod-97).

Every ``find_*`` function returns the matches in order as ``Found(kind, text, start, masked)`` where
``masked`` is a safe rendering for messages (never the full value). A ``*`` breaks a match, so
values masked with asterisks (``j***@example.com``, ``**** **** **** 1111``) pass. A
number glued to a hyphenated or dotted token (UUIDs, version strings, decimals) is not a phone or
card number.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple


class Found(NamedTuple):
    """One piece of personal data found in a string."""

    kind: str  # email | phone | credit_card | iban
    text: str
    start: int
    masked: str


# --- email --------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+*-])[A-Za-z0-9_][A-Za-z0-9._%+-]{0,63}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)


def find_emails(text: str) -> list[Found]:
    """Email addresses in ``text`` (a partially masked local part such as ``j***@x.com`` is not one)."""
    if "@" not in text:
        return []
    out = []
    for m in _EMAIL.finditer(text):
        local, _, domain = m.group().partition("@")
        out.append(Found("email", m.group(), m.start(), f"{local[0]}***@{domain}"))
    return out


def email_domain(found: Found) -> str:
    """The lower-cased domain of an email match."""
    return found.text.rpartition("@")[2].lower()


# --- phone numbers -------------------------------------------------------------------------------

_PHONE = re.compile(r"(?<![\w*+.\-])(?:\+|\b00)?\(?\d[\d \t().\-/]{5,}\d(?![\w*]|[-.]\w)")
_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_GROUPS = re.compile(r"\d+")


def find_phones(text: str, *, min_digits: int = 9, max_digits: int = 15, plain_digits: bool = False
                ) -> list[Found]:
    """Phone numbers in ``text``: international (``+``/``00`` prefix) or formatted national numbers.

    A candidate needs ``min_digits``..``max_digits`` digits (E.164 allows at most 15). Without an
    international prefix it must look like a phone number: parentheses, three or more digit
    groups, or two groups with a leading ``0`` trunk prefix; unformatted digit runs count only with
    ``plain_digits``. Dates, IPv4 addresses, decimals and thousands-grouped numbers are not phones.
    """
    out = []
    for m in _PHONE.finditer(text):
        cand = m.group()
        digits = "".join(_GROUPS.findall(cand))
        if not (min_digits <= len(digits) <= max_digits):
            continue
        if _DATE_LIKE.search(cand) or _IPV4.fullmatch(cand):
            continue
        groups = _GROUPS.findall(cand)
        separators = set(re.sub(r"[\d+]", "", cand))
        if separators == {"."} and (len(groups) == 2 or all(len(g) == 3 for g in groups[1:])):
            continue  # 3.14159265 or 1.000.000.000
        international = cand.startswith(("+", "00"))
        if not international:
            if len(groups) == 1:
                if not plain_digits:
                    continue
            elif not ("(" in cand or len(groups) >= 3 or groups[0].startswith("0")):
                continue
        out.append(Found("phone", cand, m.start(), f"phone number ending in {digits[-2:]}"))
    return out


# --- payment cards -------------------------------------------------------------------------------

_CARD = re.compile(r"(?<![\w*.\-])(?:\d[ -]?){12,18}\d(?![\w*]|[-.]\w)")

_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    # (brand, IIN prefix ranges compared on the same number of leading digits, valid lengths)
    ("American Express", ((34, 34), (37, 37)), (15,)),
    ("Discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), (16, 17, 18, 19)),
    ("JCB", ((3528, 3589),), (16, 17, 18, 19)),
    ("Diners Club", ((300, 305), (36, 36), (38, 39)), (14, 15, 16, 17, 18, 19)),
    ("Mir", ((2200, 2204),), (16, 17, 18, 19)),
    ("Mastercard", ((51, 55), (2221, 2720)), (16,)),
    ("Maestro", ((5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304), (6759, 6759),
                 (6761, 6763)), (13, 14, 15, 16, 17, 18, 19)),
    ("UnionPay", ((62, 62),), (16, 17, 18, 19)),
    ("Visa", ((4, 4),), (13, 16, 19)),
)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) checksum."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card network of a card number by its issuer prefix and length, or None when unknown."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return brand
    return None


def find_cards(text: str, *, require_brand: bool = True) -> list[Found]:
    """Payment card numbers: 13-19 digits (spaces or hyphens allowed) passing Luhn, of a known network."""
    out = []
    for m in _CARD.finditer(text):
        digits = m.group().replace(" ", "").replace("-", "")
        if not (13 <= len(digits) <= 19) or not luhn_valid(digits):
            continue
        brand = card_brand(digits)
        if brand is None and require_brand:
            continue
        out.append(Found("credit_card", m.group(), m.start(),
                         f"{brand + ' card' if brand else 'card'} number ending in {digits[-4:]}"))
    return out


# --- IBAN ---------------------------------------------------------------------------------------

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
"""IBAN length by country (SWIFT IBAN registry)."""

_IBAN_START = re.compile(r"(?<![A-Za-z0-9*])[A-Za-z]{2}\d{2}")


def iban_valid(iban: str) -> bool:
    """True when a compact IBAN has its country's length and passes the ISO 7064 mod-97 check."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum() or not iban.isascii():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def find_ibans(text: str) -> list[Found]:
    """IBANs, compact or printed in groups separated by single spaces, with a valid mod-97 checksum."""
    out = []
    for m in _IBAN_START.finditer(text):
        country = m.group()[:2].upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars = [m.group()]
        count, pos = 4, m.end()
        while count < length and pos < len(text):
            ch = text[pos]
            if ch == " " and pos + 1 < len(text) and text[pos + 1].isalnum() and text[pos - 1] != " ":
                pos += 1
                continue
            if not (ch.isascii() and ch.isalnum()):
                break
            chars.append(ch)
            count += 1
            pos += 1
        if count != length or (pos < len(text) and text[pos].isalnum()):
            continue
        compact = "".join(chars).upper()
        if iban_valid(compact):
            out.append(Found("iban", text[m.start():pos], m.start(),
                             f"IBAN {compact[:2]}** ending in {compact[-4:]}"))
    return out


# --- all of them ---------------------------------------------------------------------------------

KINDS = ("email", "phone", "credit_card", "iban")
"""Detector names, as used by ``pii.no_pii``'s ``detect`` parameter."""


def find_all(text: str, kinds: Iterable[str] = KINDS, *, plain_digits: bool = False) -> list[Found]:
    """Every match of the given kinds, ordered by position; a card number is not also a phone number."""
    kinds = set(kinds)
    found: list[Found] = []
    if "email" in kinds:
        found += find_emails(text)
    if "credit_card" in kinds:
        found += find_cards(text)
    if "iban" in kinds:
        found += find_ibans(text)
    if "phone" in kinds:
        taken = [(f.start, f.start + len(f.text)) for f in found]
        found += [p for p in find_phones(text, plain_digits=plain_digits)
                  if not any(s < p.start + len(p.text) and p.start < e for s, e in taken)]
    return sorted(found, key=lambda f: f.start)


__all__ = [
    "IBAN_LENGTHS", "KINDS", "Found", "card_brand", "email_domain", "find_all", "find_cards",
    "find_emails", "find_ibans", "find_phones", "iban_valid", "luhn_valid",
]
