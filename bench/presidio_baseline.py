"""Microsoft Presidio's pattern recognizers, set up offline, as our baseline.

Presidio is a bench-only dependency (``pip install -e '.[bench]'``). Its
``AnalyzerEngine`` wants a spaCy pipeline; a *blank* English pipeline is
written to a temporary folder so nothing is downloaded. Only the pattern
recognizers for the categories we cover are registered.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache

__all__ = ["ENTITY_TO_CATEGORY", "available", "presidio_analyzer", "presidio_recognizers"]

ENTITY_TO_CATEGORY = {
    "CREDIT_CARD": "payment_card",
    "US_SSN": "ssn",
    "IBAN_CODE": "iban",
    "ABA_ROUTING_NUMBER": "routing_number",
    "US_BANK_NUMBER": "bank_account",
    "DATE_TIME": "date_of_birth",
}


def available() -> bool:
    try:
        import presidio_analyzer  # noqa: F401
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def presidio_recognizers() -> tuple:
    from presidio_analyzer.predefined_recognizers import (
        AbaRoutingRecognizer,
        CreditCardRecognizer,
        DateRecognizer,
        IbanRecognizer,
        UsBankRecognizer,
        UsSsnRecognizer,
    )

    return (
        CreditCardRecognizer(),
        UsSsnRecognizer(),
        IbanRecognizer(),
        AbaRoutingRecognizer(),
        UsBankRecognizer(),
        DateRecognizer(),
    )


@lru_cache(maxsize=1)
def presidio_analyzer():
    import logging

    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="blank-spacy-") as folder:
        spacy.blank("en").to_disk(folder)
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": folder}])
        engine.load()  # reads the pipeline into memory: the folder can go
    registry = RecognizerRegistry()
    for r in presidio_recognizers():
        registry.add_recognizer(r)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def presidio_findings(text: str) -> list[tuple[str, int, int]]:
    """(category, start, end) for every Presidio result on ``text`` (threshold 0)."""
    res = presidio_analyzer().analyze(text, language="en")
    return [(ENTITY_TO_CATEGORY[r.entity_type], r.start, r.end) for r in res]


def presidio_patterns_only(text: str) -> list:
    """The recognizers alone, without the NLP engine: what the speed bench runs."""
    out = []
    for r in presidio_recognizers():
        out.extend(r.analyze(text, r.supported_entities, None))
    return out
