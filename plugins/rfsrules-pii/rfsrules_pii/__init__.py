"""rfsrules-pii: checks that find unmasked personal data (emails, phones, card numbers, IBANs) in string fields."""

from __future__ import annotations

from rfsrules import hookimpl

__version__ = "0.1.0"
RFSRULES_PLUGIN_API = 1
"""The rfsrules plugin API this package is written against."""


@hookimpl
def rfsrules_register_checks():
    """Register ``pii.email_masked``, ``pii.phone_masked``, ``pii.credit_card_masked``, ``pii.iban_masked`` and ``pii.no_pii``."""
    from .checks import specs

    return specs()
