"""The ``pii.*`` check declarations: value checks that fail when a string holds unmasked personal data."""

from __future__ import annotations

import functools
from typing import Any, Callable, Mapping

import re2
from rfsrules import CheckSpec

from . import detect

REASONS = {
    "email": "unmasked_email",
    "phone": "unmasked_phone",
    "credit_card": "unmasked_card",
    "iban": "unmasked_iban",
}
"""Failure reason per detector (stable codes, like rfsrules' own reasons)."""

_LABELS = {"email": "email address", "phone": "phone number", "credit_card": "card number", "iban": "IBAN"}

_ALLOW_MASKED = {
    "allow_masked_pattern": {
        "type": "string",
        "description": "RE2 pattern; a detected value that fully matches it counts as masked "
                       "(e.g. a tokenisation scheme such as `tok_[0-9a-f]{16}@vault\\.invalid`).",
    },
}
_ALLOW_DOMAINS = {
    "allow_domains": {
        "type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
        "description": "Email domains that are not personal data (their subdomains too), e.g. `example.com`.",
    },
}
_PLAIN_DIGITS = {
    "plain_digits": {
        "type": "boolean", "default": False,
        "description": "Also flag unformatted digit runs (9-15 digits, no separators) as phone numbers.",
    },
}


def _re2_options():
    options = re2.Options()
    options.log_errors = False
    return options


def validate_allow_pattern(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Lint ``allow_masked_pattern``: it must compile as an RE2 pattern."""
    pattern = params.get("allow_masked_pattern")
    if pattern is None:
        return []
    try:
        re2.compile(pattern, _re2_options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return [("allow_masked_pattern", f"invalid RE2 pattern: {detail}")]
    return []


def _allowed_filter(params: Mapping[str, Any]) -> Callable[[detect.Found], bool]:
    """A predicate telling which findings the rule's parameters allow."""
    pattern = params.get("allow_masked_pattern")
    compiled = re2.compile(pattern, _re2_options()) if pattern else None
    domains = tuple(d.lower().lstrip(".") for d in params.get("allow_domains") or ())

    def allowed(found: detect.Found) -> bool:
        if compiled is not None and compiled.fullmatch(found.text):
            return True
        if found.kind == "email" and domains:
            domain = detect.email_domain(found)
            return any(domain == d or domain.endswith("." + d) for d in domains)
        return False

    return allowed


def _build_detector(kinds: tuple[str, ...], rule, ctx) -> Callable:
    """The value test of a detector set for ``rule``."""
    params = rule.params
    chosen = tuple(params.get("detect") or kinds)
    plain = bool(params.get("plain_digits", False))
    allowed = _allowed_filter(params)
    numbers_too = "credit_card" in chosen

    def test(value):
        if type(value) is int and numbers_too:
            value = str(value)
        elif not isinstance(value, str):
            return None
        found = [f for f in detect.find_all(value, chosen, plain_digits=plain) if not allowed(f)]
        if not found:
            return None
        first = found[0]
        if len(chosen) == 1:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            return REASONS[first.kind], f"unmasked {_LABELS[first.kind]}: {first.masked}{more}"
        kinds_found = list(dict.fromkeys(_LABELS[f.kind] for f in found))
        return REASONS[first.kind], f"unmasked personal data ({', '.join(kinds_found)}): {first.masked}"

    return test


def _build(kinds: tuple[str, ...]) -> Callable:
    """The Python implementation factory for a detector set (value protocol); a partial of a module
    function, so the registry pickles (``--jobs`` with spawned workers)."""
    return functools.partial(_build_detector, kinds)


_STRINGS_ONLY = "\n\nOnly strings are inspected."
_WITH_INTEGERS = "\n\nStrings are inspected, and integers too (card numbers are sometimes stored as numbers)."
_COMMON_DOC = (
    " Masked values pass: any `*` "
    "inside the value breaks a match, so `j***@example.com` or `**** **** **** 1111` are fine. "
    "Messages show a masked form of what was found, never the full value, and the checks are "
    "declared `redact_values`, so reports show `[redacted]` as the example value."
)


def specs() -> list[CheckSpec]:
    """Every check of the plugin."""
    return [
        CheckSpec(
            name="pii.email_masked", level="value", fields="many",
            summary="Strings must not contain an unmasked email address.",
            description="Fails (`unmasked_email`) when the value contains an email address. Allow "
                        "non-personal domains with `allow_domains`." + _STRINGS_ONLY + _COMMON_DOC,
            params={**_ALLOW_DOMAINS, **_ALLOW_MASKED},
            redact_values=True, python=_build(("email",)), validate=validate_allow_pattern,
            default_severity="high", default_dimension="consistency",
            example="id: comments-without-emails\ncheck: pii.email_masked\nfields: [comment]\n"
                    "allow_domains: [example.com]\n",
            failing_record={"comment": "call me back at jane.doe@acme.io"},
        ),
        CheckSpec(
            name="pii.phone_masked", level="value", fields="many",
            summary="Strings must not contain an unmasked phone number.",
            description="Fails (`unmasked_phone`) on international numbers (`+49 30 1234567`, "
                        "`0049 ...`) and formatted national numbers (`(555) 123-4567`, "
                        "`010-1234-5678`) of 9 to 15 digits. Dates, IPv4 addresses, decimals and "
                        "thousands-grouped numbers are not phone numbers; unformatted digit runs "
                        "count only with `plain_digits: true`." + _STRINGS_ONLY + _COMMON_DOC,
            params={**_PLAIN_DIGITS, **_ALLOW_MASKED},
            redact_values=True, python=_build(("phone",)), validate=validate_allow_pattern,
            default_severity="high", default_dimension="consistency",
            example="id: notes-without-phones\ncheck: pii.phone_masked\nfield: notes\n",
            failing_record={"notes": "customer asked for a call on +44 20 7946 0958"},
        ),
        CheckSpec(
            name="pii.credit_card_masked", level="value", fields="many",
            summary="Strings and integers must not contain a payment card number (Luhn-valid, known network).",
            description="Fails (`unmasked_card`) on 13 to 19 digits, optionally grouped by spaces or "
                        "hyphens, that pass the Luhn checksum and start with the prefix of a card "
                        "network of matching length (Visa, Mastercard, American Express, Discover, "
                        "JCB, Diners Club, UnionPay, Maestro, Mir)." + _WITH_INTEGERS + _COMMON_DOC,
            params=dict(_ALLOW_MASKED),
            redact_values=True, python=_build(("credit_card",)), validate=validate_allow_pattern,
            default_severity="critical", default_dimension="consistency",
            example="id: no-card-numbers\ncheck: pii.credit_card_masked\nfields: [payment.note, comment]\n",
            failing_record={"payment": {"note": "card 4111 1111 1111 1111 exp 12/29"}, "comment": "ok"},
        ),
        CheckSpec(
            name="pii.iban_masked", level="value", fields="many",
            summary="Strings must not contain an IBAN (country length and mod-97 checked).",
            description="Fails (`unmasked_iban`) on an IBAN written compactly or in groups of four "
                        "(`DE89 3704 0044 0532 0130 00`) whose length matches its country and whose "
                        "ISO 7064 mod-97 checksum is valid." + _STRINGS_ONLY + _COMMON_DOC,
            params=dict(_ALLOW_MASKED),
            redact_values=True, python=_build(("iban",)), validate=validate_allow_pattern,
            default_severity="high", default_dimension="consistency",
            example="id: no-ibans-in-memo\ncheck: pii.iban_masked\nfield: memo\n",
            failing_record={"memo": "refund to DE89 3704 0044 0532 0130 00"},
        ),
        CheckSpec(
            name="pii.no_pii", level="value", fields="many",
            summary="Strings must not contain unmasked personal data of any kind the plugin detects.",
            description="Runs the detectors listed in `detect` (default: all of `email`, `phone`, "
                        "`credit_card`, `iban`); the failure reason is that of the first finding "
                        "and the message lists every kind found." + _WITH_INTEGERS + _COMMON_DOC,
            params={
                "detect": {"type": "array", "items": {"enum": list(detect.KINDS)}, "minItems": 1,
                           "uniqueItems": True, "default": list(detect.KINDS),
                           "description": "Which detectors to run."},
                **_ALLOW_DOMAINS, **_PLAIN_DIGITS, **_ALLOW_MASKED,
            },
            redact_values=True, python=_build(detect.KINDS), validate=validate_allow_pattern,
            default_severity="high", default_dimension="consistency",
            example="id: free-text-is-clean\ncheck: pii.no_pii\nfields: [comment, notes]\n"
                    "detect: [email, credit_card]\n",
            failing_record={"comment": "mail ops@corp.example.net", "notes": "-"},
        ),
    ]


__all__ = ["REASONS", "specs", "validate_allow_pattern"]
