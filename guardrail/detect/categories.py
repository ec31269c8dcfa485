"""The category names. Fixed by DESIGN.md: other code, configs and checks rely on them."""

from __future__ import annotations

PAYMENT_CARD = "payment_card"
CARD_SECURITY_CODE = "card_security_code"
CARD_EXPIRY = "card_expiry"
SSN = "ssn"
BANK_ACCOUNT = "bank_account"
ROUTING_NUMBER = "routing_number"
IBAN = "iban"
DATE_OF_BIRTH = "date_of_birth"
PIN = "pin"
PASSWORD = "password"  # noqa: S105 - a category name, not a secret
HEALTH = "health"

DISCLOSURE_CATEGORIES: tuple[str, ...] = (
    PAYMENT_CARD,
    CARD_SECURITY_CODE,
    CARD_EXPIRY,
    SSN,
    BANK_ACCOUNT,
    ROUTING_NUMBER,
    IBAN,
    DATE_OF_BIRTH,
    PIN,
    PASSWORD,
)
"""Values a caller can disclose."""

REQUEST_CATEGORIES: tuple[str, ...] = (*DISCLOSURE_CATEGORIES, HEALTH)
"""What an agent can ask for: every disclosure category, plus ``health``."""

ALL: frozenset[str] = frozenset(REQUEST_CATEGORIES)
