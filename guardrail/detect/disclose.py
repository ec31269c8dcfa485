"""Caller disclosures: which spans of a text hold a sensitive value, and of what kind.

The decision for each number uses, in this order:

1. the nearest *cue* ("card", "social", "routing", "tracking", "ZIP", "the
   last four digits"...; the table is :mod:`.cues`, one section per
   category): a negative cue means the number is not sensitive, a category
   cue means it is that category if its shape fits. A specific cue beats a
   generic one after it ("the social on the account is ..." is an SSN), and
   a cue governs the number after it, not one past another number;
2. the conversation: the categories the agent has just asked for;
3. the number's own structure: a 13-19 digit number with a valid Luhn check
   and a real IIN range is a card wherever it appears (even written as one
   cardinal, "5,105,105,105,105,100"); a 3-2-4 grouped number that keeps the
   SSA rules is an SSN; a 9-digit number with a valid ABA checksum is a
   routing number, and one said whole in words or digit by digit that keeps
   the SSA rules an SSN (:func:`_nine_said`); a whole date with a year a
   caller is born in is a date of birth ("ten twenty two oh nine", "august
   30 1977"; not after "since", "dated", "on": :func:`_bare_birth_date`,
   :func:`_born_on`).

Context is what catches speech-to-text that got a digit wrong: a 16-digit
number that fails Luhn is still a card number when the caller says "card" or
the agent just asked for the card. And a partial number in that context (the
first four digits, before the next transcript fragment arrives) is already
treated as card data.

Speech adds what writing does not:

- a card, its expiry and its code in one breath, with no cue ("4111 ...
  1111, 9/29, 384", "4111... then 04/28 then 123", "expires February 2030,
  four six two"): :func:`_card_and_tail`, :func:`_bundled` and
  :func:`_expiry_and_code`; a routing number and then the account number
  (:func:`_routing_then_account`); two values asked for together and joined
  by "and" (:func:`_split_at_and`);
- self-corrections and restarts ("06, sorry, 06 28"; "five eight one, five
  eight one one seven ..."): a number fits a category when one of its
  readings does (:func:`_fits`, :func:`_final_part`);
- a PIN named only after it, or a tried number that failed ("I tried 2 4 6
  8 but it said wrong PIN", "I entered 0071 and it said it was wrong so I
  tried 0017": :func:`_pin_attempt`), and a second PIN beside one ("it used
  to be 1234 but now it's 5678": :func:`_another_pin`).

Values that are not numbers have recognizers of their own: IBANs, written or
spelled with letters (:mod:`.ibans`), and passwords (:mod:`.passwords`).
Every step looks at a bounded window of tokens, so the work is linear in
the text.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from dataclasses import dataclass

from . import categories as c
from .cues import NEG_LAST4, NEG_MONEY, NEG_OTHER, NEG_REFERENCE, NEG_TIME, Cue, find_cues
from .ibans import spoken_ibans, written_ibans
from .numbers import (
    ALNUM,
    CORRECTIONS,
    PUNCT,
    WORD,
    NumberRun,
    Tokens,
    number_runs,
    tokenize,
)
from .passwords import CUE_WORDS as PASSWORD_CUE_WORDS
from .passwords import LINK_WORDS as PASSWORD_LINKS
from .passwords import find_passwords, may_hold_loose_value
from .validators import CARD_LENGTHS, LuhnSums, aba_ok, card_brand, luhn_ok, ssn_ok

__all__ = ["Finding", "find_disclosures"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A disclosed value: its category and ``[start, end)`` character span."""

    category: str
    start: int
    end: int


MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_MONTH_WORDS = frozenset(MONTHS)
_PRECEDING_WINDOW = 8
_FOLLOWING_WINDOW = 4
COPULA = frozenset(
    {"is", "was", "'s", "s", "that's", "thats", "my", "the", "as", "it", "its", "it's", "for",
     "on", "from", "being", "be", "would", "will", "are", "were", "our", "your", "his", "her"}
)  # fmt: skip
_NEG_ADDRESS = "neg:address"
_LAST4_RE = re.compile(r"\blast\s+(?:four|4)\b", re.IGNORECASE)
_QUANTITY_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+\.\d{1,2}$")
_PASSWORD_HINTS = PASSWORD_CUE_WORDS | frozenset({"pass", "secret", "security", "memorable"})
_ATTEMPTS = frozenset(
    {"tried", "try", "entered", "enter", "typed", "type", "put", "punched", "keyed", "used",
     "input", "inputted", "dialed", "pressed", "typing", "entering", "punching", "keying"}
)  # fmt: skip
"""Verbs before a number that a later PIN cue names ("I tried 2468 but it said wrong PIN")."""
_MONTHS_OR_ATTEMPTS = _MONTH_WORDS | _ATTEMPTS | {"month"}
_PIN_AFTER = 10
_PLAIN_YEAR_NOT = frozenset({c.PAYMENT_CARD, c.BANK_ACCOUNT, c.PIN, c.CARD_SECURITY_CODE})
_YEAR_PREPOSITIONS = frozenset({"in", "since", "from", "until", "till", "back", "around", "of"})
_NEG_NOT_CARDS = frozenset({NEG_MONEY, NEG_TIME})
"""Negative cues that never make a valid card number something else."""
_OWN_REACH = 4
"""A cue further than this from a number, with another number between, is that one's."""
_CARDINAL_VALUES = frozenset({c.PIN, c.CARD_SECURITY_CODE, c.BANK_ACCOUNT, c.SSN, c.ROUTING_NUMBER})
"""Categories whose value, right after its cue, may be said or written as a cardinal."""
_CLOSE_LINKS = frozenset(
    {"is", "was", "'s", "it's", "its", ":", ",", "-", "#", "um", "uh", "number", "no", "code"}
)  # fmt: skip
_DATES_AND_WORDS = frozenset({c.DATE_OF_BIRTH, c.CARD_EXPIRY, c.PASSWORD})
"""Categories whose values may be said as cardinals or with a colon ("two thousand two")."""
_LIGHT_WORDS = frozenset(
    {"the", "a", "um", "uh", "er", "like", "you", "know", "is", "are", "was", "my", "it's", "its",
     "it", "so", "oh", "well", "just"}
)  # fmt: skip
"""Words that do not count towards the distance between a cue and its number."""
_BUNDLE_GAP = frozenset(
    {"then", "and", ",", ".", "um", "uh", "er", "erm", "so", "okay", "ok", "-", "like", "also",
     "next", "after", "that", "umm", "uhh", ";"}
)  # fmt: skip
"""Words between a card number and the expiry and code said right after it."""
_AFTER_LINKS = COPULA | frozenset(
    {"when", "you", "know", "what", "that", "i", "think", "um", "uh", "like", "just", "which",
     "actually", "those", "these", "they're", "theyre", "there"}
)  # fmt: skip
"""Words that may join a number to a cue after it ("06/29 is when it expires")."""


@dataclass(slots=True)
class _Ctx:
    text: str
    toks: Tokens
    starts: list[int]
    cues: list[Cue]
    cue_tok: list[tuple[int, int]]
    cue_first: list[int]
    expected: tuple[str, ...]
    run_firsts: list[int] = dataclasses.field(default_factory=list)
    run_lasts: list[int] = dataclasses.field(default_factory=list)
    runs: list[NumberRun] = dataclasses.field(default_factory=list)
    card_in_sight: bool | None = None


def _tok_at(starts: list[int], pos: int) -> int:
    """Index of the first token starting at or after ``pos``."""
    return bisect.bisect_left(starts, pos)


def find_disclosures(
    text: str,
    expected: tuple[str, ...] = (),
    *,
    toks: Tokens | None = None,
) -> list[Finding]:
    """Every sensitive value disclosed in ``text``.

    ``expected`` lists the categories the other party has just asked for, in
    the order asked; they give context to numbers that carry none of their own.
    """
    if toks is None:
        toks = tokenize(text)
    starts = toks.starts
    cues = find_cues(text, toks)
    runs = number_runs(toks)
    if runs and " and " in text:
        runs = _split_at_and(text, starts, runs)
    # an IBAN's country code and check digits are one mixed token
    mixed = ALNUM in toks.kinds
    findings = [Finding(c.IBAN, s, e) for s, e in written_ibans(text)] if mixed else []
    iban_cues = [_tok_at(starts, q.end) - 1 for q in cues if q.label == c.IBAN]
    if iban_cues or c.IBAN in expected or runs or mixed:
        anywhere = bool(runs) or mixed
        spoken = spoken_ibans(text, toks, iban_cues, c.IBAN in expected[:1], anywhere=anywhere)
        findings.extend(Finding(c.IBAN, s, e) for s, e in spoken)
    if not runs:
        if (
            not (cues or expected)
            and _PASSWORD_HINTS.isdisjoint(toks.texts)
            and not may_hold_loose_value(toks)
        ):
            return findings
        ctx = _Ctx(text, toks, starts, cues, [], [], expected)
    elif (
        not expected
        and all(q.label.startswith("neg:") for q in cues)
        and _only_short(text, runs)
        and _MONTHS_OR_ATTEMPTS.isdisjoint(toks.texts)
    ):
        pass  # "is it five or six": with no question and no cue that names a value, only
        # a number of nine digits or more can be one (it validates itself)
    else:
        cue_tok = [(_tok_at(starts, q.start), _tok_at(starts, q.end) - 1) for q in cues]
        ctx = _Ctx(
            text, toks, starts, cues, cue_tok, [a for a, _ in cue_tok], expected,
            [r.first_token for r in runs], [r.last_token for r in runs], runs,
        )  # fmt: skip
        _classify_runs(ctx, runs, findings)
    if runs and not _HOLIDAY_WORDS.isdisjoint(toks.texts):
        findings.extend(_holiday_births(toks, runs, expected))
    if (
        (c.PASSWORD in expected[:1])
        or not _PASSWORD_HINTS.isdisjoint(toks.texts)
        or (not expected and may_hold_loose_value(toks))
    ):
        numbers = any(f.category == c.PASSWORD for f in findings)
        found = find_passwords(text, toks, expected, numbers_found=numbers)
        findings.extend(Finding(c.PASSWORD, s, e) for s, e in found)
    return merge_findings(findings) if len(findings) > 1 else findings


_HOLIDAYS = {
    ("christmas", "day"): 2, ("christmas", "eve"): 2, ("xmas", "day"): 2,
    ("valentines", "day"): 2, ("valentine's", "day"): 2, ("year's", "day"): 3,
    ("years", "day"): 3, ("year's", "eve"): 3, ("years", "eve"): 3, ("patrick's", "day"): 3,
    ("patricks", "day"): 3, ("boxing", "day"): 2, ("independence", "day"): 2,
}  # fmt: skip
"""A holiday's last two words, and how many words it has ("new year's day")."""
_HOLIDAY_WORDS = frozenset({"day", "eve", "halloween", "christmas", "xmas"})
_BIRTH_WORDS = frozenset({"born", "birthday", "birth", "dob", "birthdate", "bday"})
_BIRTH_REACH = 8
"""A birth word at most this many tokens before the holiday makes its year a birth date."""


def _split_at_and(text: str, starts: list[int], runs: list[NumberRun]) -> list[NumberRun]:
    """``runs``, each cut where an "and" joins two numbers ("011000138 and 1029384756").

    Answers to a question for two values come joined by "and"; each side,
    of three digits or more, is a number of its own. A run that is a valid
    card number as a whole stays whole, and so does a cardinal ("two
    thousand and nine" is one number already).
    """
    out = []
    for r in runs:
        spans = r.spans
        if len(spans) < 2 or "and" not in text[r.start : r.end]:
            out.append(r)
            continue
        cuts = [
            k
            for k in range(1, len(spans))
            if spans[k - 1][1] < spans[k][0]
            and "and" in text[spans[k - 1][1] : spans[k][0]].split()
        ]
        if not cuts or _self_validating(r) == c.PAYMENT_CARD:
            out.append(r)
            continue
        bounds = [0, *cuts, len(spans)]
        lengths = [len("".join(r.chunks[a:b])) for a, b in itertools.pairwise(bounds)]
        if min(lengths) < 3:
            out.append(r)
            continue
        for a, b in itertools.pairwise(bounds):
            part = _sub_run(r, a, b)
            part.first_token = _tok_at(starts, part.start)
            part.last_token = _tok_at(starts, part.end) - 1 if b < len(spans) else r.last_token
            part.slash = "/" in part.seps or "slash" in part.seps
            part.colon = ":" in part.seps
            part.quantity, part.decimal, part.ordinal = r.quantity, r.decimal, r.ordinal
            out.append(part)
    return out


def _holiday_births(
    toks: Tokens, runs: list[NumberRun], expected: tuple[str, ...]
) -> list[Finding]:
    """Dates of birth named by a holiday and a year ("born on christmas day 1969").

    The year right after the holiday (two or four digits, "nineteen sixty
    three", "eighty two") with a birth word shortly before it, or after the
    agent asked for the date of birth.
    """
    texts, starts = toks.texts, toks.starts
    asked = c.DATE_OF_BIRTH in expected
    out = []
    for r in runs:
        if len(r.digits) not in (2, 4) or r.quantity or r.decimal:
            continue
        if len(r.digits) == 4 and not ("1900" <= r.digits <= "2099"):
            continue
        k = r.first_token
        if k >= 1 and texts[k - 1] in ("halloween", "christmas", "xmas"):
            first = k - 1
        elif k >= 2 and (texts[k - 2], texts[k - 1]) in _HOLIDAYS:
            first = k - _HOLIDAYS[(texts[k - 2], texts[k - 1])]
            if first < 0:
                continue
        else:
            continue
        while first > 0 and texts[first - 1] in ("the", "st", "saint", "st."):
            first -= 1
        if texts[first] == "the":
            first += 1
        lo = max(0, first - _BIRTH_REACH)
        if asked or not _BIRTH_WORDS.isdisjoint(texts[lo:first]):
            out.append(Finding(c.DATE_OF_BIRTH, starts[first], r.end))
    return out


def _only_short(text: str, runs: list[NumberRun]) -> bool:
    """Whether every run has fewer than nine digits and none is a whole birth date.

    Without a question, a month name or a cue that names a value (a
    negative one, "dollars", "last week", only says what it is not), such a
    number is nothing: only a card, an SSN or a routing number validates
    itself, a card's expiry or code is one only after a card, and a date is
    a date of birth only with a day and a year a caller is born in
    (:func:`_bare_birth_date`).
    """
    return all(len(r.digits) < 9 and not _bare_birth_date(text, r) for r in runs)


_BIRTH_YEARS = (1900, 2012)
"""Four-digit years a date said with no cue may be a birth date in (later ones are events)."""
_BIRTH_YEARS_2 = frozenset(f"{y:02d}" for y in (*range(30, 100), *range(0, 13)))
"""Two-digit years read the same way ("sixty eight", "oh nine"); "24" may be an expiry."""
_EVENT_WORDS = frozenset(
    {"on", "since", "from", "until", "till", "til", "by", "before", "after", "dated", "in", "of",
     "between", "to", "through", "thru", "starting", "effective", "expires", "expired"}
)  # fmt: skip
"""Words before a date that make it an event's ("since 3/14/1998"), not a birth date."""


_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _birth_year(y: str) -> bool:
    if len(y) == 4:
        return _BIRTH_YEARS[0] <= int(y) <= _BIRTH_YEARS[1]
    return y in _BIRTH_YEARS_2


def _spoken_year(chunks: list[str]) -> bool:
    """Whether numbers said one by one are a birth year: "sixty eight", "oh nine", "nineteen
    seventy two", "two thousand one"; not digits read singly ("nine two")."""
    if len(chunks) == 1:
        return _birth_year(chunks[0])
    if len(chunks) == 2 and (chunks[0] == "0" or (len(chunks[0]) == 2 == len(chunks[1]))):
        return len(chunks[1]) == (1 if chunks[0] == "0" else 2) and _birth_year("".join(chunks))
    return False


def _day_ok(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month]


def _bare_birth_date(text: str, run: NumberRun) -> bool:
    """Whether ``run`` is a whole date with a birth year ("ten twenty two oh nine", no cue).

    Month, day and year: written with one separator ("03/14/1985", "7.4.76",
    "1985-03-14"), or said as a month and a day (one number each) and then a
    year ("twelve twenty five sixty eight", corrected or not). The year is
    one a caller (or their child) is born in, so "03/14/2024" stays an event.
    """
    chunks = run.chunks
    if len(chunks) < 3 or run.quantity or run.decimal or run.colon or run.ordinal:
        return False  # (the common cases are settled first: a date has three numbers at least)
    if run.spoken:
        if run.written or all(len(ch) == 1 for ch in chunks):
            return False
    elif len(run.breaks) < 2 or not _DATE_SEPS.intersection(run.seps):
        return False
    if not 4 <= len(run.digits) <= 12:
        return False
    part = _final_part(run)
    groups = part.groups
    if len(groups) == 3 and run.written and not run.spoken:
        if len(set(part.seps)) != 1 or part.seps[0] not in ("/", "-", "."):
            return False
        a, b, y = groups
        if len(a) == 4:
            a, b, y = b, y, a
        if len(a) > 2 or len(b) > 2:
            return False
        return (_day_ok(int(a), int(b)) or _day_ok(int(b), int(a))) and _birth_year(y)
    chunks = part.chunks
    if not part.spoken or part.written or len(groups) != 1 or not 3 <= len(chunks) <= 5:
        return False
    if all(len(ch) == 1 for ch in chunks) or _REPEATED.search(text, part.start, part.end):
        return False  # "three six oh two", "three one double eight": digits, no date
    if "0" in chunks:  # "oh two fourteen oh nine": "oh" and a digit are one two-digit number
        chunks = _oh_pairs(chunks)
        if not 3 <= len(chunks) <= 4:
            return False
    m, d = chunks[0], chunks[1]
    return len(d) <= 2 and _day_ok(int(m), int(d)) and _spoken_year(chunks[2:])


def _oh_pairs(chunks: list[str]) -> list[str]:
    """``chunks`` with each "0" and the single digit after it joined ("0", "2" -> "02")."""
    out: list[str] = []
    k = 0
    while k < len(chunks):
        if chunks[k] == "0" and k + 1 < len(chunks) and len(chunks[k + 1]) == 1:
            out.append("0" + chunks[k + 1])
            k += 2
        else:
            out.append(chunks[k])
            k += 1
    return out


_REPEATED = re.compile(r"double|triple|treble", re.IGNORECASE)
_DATE_SEPS = frozenset("/-.")


def _after_event_word(texts: list[str], first: int) -> bool:
    """Whether an event word ("since", "on", "dated") stands right before token ``first``."""
    k = first - 1
    if k >= 0 and texts[k] == "the":
        k -= 1
    return k >= 0 and texts[k] in _EVENT_WORDS


def _classify_runs(ctx: _Ctx, runs: list[NumberRun], findings: list[Finding]) -> None:
    """Add the findings among ``runs`` (and month-name dates) to ``findings``."""
    taken = [(f.start, f.end) for f in findings]
    expiry_of: dict[int, int] = {}  # a run's first token -> last token of its month expiry
    dates: list[tuple[Finding | None, list[NumberRun]]] = []
    if not _MONTH_WORDS.isdisjoint(ctx.toks.texts):
        tails: dict[int, NumberRun] = {}
        dates = _month_dates(ctx, runs, tails)
        if tails:  # "march third 1985 and 3941": what follows the year is a number of its own
            runs = [tails.get(r.first_token, r) for r in runs]
    if "onth" in ctx.text and "month" in ctx.toks.texts:
        dates.extend(_ordinal_months(ctx, runs))
    if dates:
        for f, used in dates:
            if f is not None:
                findings.append(f)
                taken.append((f.start, f.end))
            for r in used:
                taken.append((r.start, r.end))
                if f is not None and f.category == c.CARD_EXPIRY:
                    expiry_of[r.first_token] = max(u.last_token for u in used)
    if taken:
        taken.sort()
        taken_starts = [s for s, _ in taken]
        reach = list(itertools.accumulate((e for _, e in taken), max))
    cues = ctx.cues
    cue_starts = [q.start for q in cues]
    bundle: tuple[str, int] | None = None  # the card or expiry just read, and its last token
    pin: NumberRun | None = None  # the last PIN read
    unnamed: NumberRun | None = None  # the number just read, if it was none
    named: tuple[str, NumberRun] | None = None  # the code or expiry just read
    for run in runs:
        if taken and _inside(reach, taken_starts, run.start, run.end):
            if run.first_token in expiry_of:  # "july of twenty nine and then one six six"
                bundle = (c.CARD_EXPIRY, expiry_of[run.first_token])
            continue
        k = bisect.bisect_right(cue_starts, run.start) - 1
        if k >= 0 and run.start < cues[k].end:
            # "last four" / "three digit code": the number is part of the cue, and what
            # follows it is the number ("the last three three nine four")
            after = bisect.bisect_left(run.spans, (cues[k].end, 0))
            if after == len(run.chunks) or run.corrections:
                continue
            whole, run = run, _sub_run(run, after, len(run.chunks))
            run.first_token = _tok_at(ctx.starts, run.start)
            run.slash, run.quantity, run.decimal = whole.slash, whole.quantity, whole.decimal
        if k + 1 < len(cues) and cues[k + 1].start < run.end:
            # "good thru 03/29, three on the back 604": a number word that starts a cue is
            # no part of the number before it
            cut = bisect.bisect_left(run.spans, (cues[k + 1].start, 0))
            if 0 < cut < len(run.chunks) and not run.corrections:
                whole, run = run, _sub_run(run, 0, cut)
                run.last_token = _tok_at(ctx.starts, run.end) - 1
                run.slash = "/" in run.seps or "slash" in run.seps
                run.quantity, run.decimal = whole.quantity, whole.decimal
        if bundle is not None:
            cat = _bundled(ctx, run, *bundle)
            if cat is not None:
                findings.append(Finding(cat, run.start, run.end))
                bundle = (cat, run.last_token) if cat == c.CARD_EXPIRY else None
                continue
        bundle = None
        if len(run.digits) >= 16 and len(run.chunks) > 1:
            tail = _card_and_tail(ctx, run)
            if tail:
                findings.extend(tail)
                if tail[-1].category != c.CARD_SECURITY_CODE:
                    bundle = (tail[-1].category, run.last_token)
                continue
        cat = _classify(ctx, run)
        if cat is None and len(run.chunks) > 1:
            pair = _expiry_then_code(ctx, run) or _routing_then_account(ctx, run)
            if pair:
                findings.extend(pair)
                continue
        if cat is None and pin is not None and _another_pin(ctx, run, pin):
            cat = c.PIN  # "my pin used to be 1234 but now it's 5678"
        if cat is None and named is not None and _corrected_value(ctx, run, *named):
            cat = named[0]  # "the code is 281, no wait that's the old card, it's 284"
        if cat in _CODE_LABELS and run.corrections:
            part = _corrected_part(ctx, run)
            if part is not None:  # "the code was nine oh nine oh, no, nine oh oh nine"
                cat = _classify(ctx, part) or cat
        if cat in _CORRECTED:
            named = (cat, run)
        elif not (cat is None and _pronoun_one(ctx.toks.texts, run)):
            named = None  # "that's the old one, the new one is ...": "one" is no value
        if cat == c.PIN:
            if unnamed is not None and _another_pin(ctx, unnamed, run, before=True):
                findings.append(Finding(c.PIN, unnamed.start, unnamed.end))  # "1234 or 4321"
            pin = run
        unnamed = run if cat is None else None
        if cat is not None:
            findings.append(Finding(cat, run.start, run.end))
            if (
                (cat == c.PAYMENT_CARD and len(run.digits) >= 13)
                or cat == c.CARD_EXPIRY
                or cat == c.ROUTING_NUMBER
            ):
                bundle = (cat, run.last_token)
        elif len(run.chunks) > 1 and len(run.digits) > 9:
            split = _split_findings(ctx, run)
            findings.extend(split)
            if split and split[-1].category == c.PAYMENT_CARD:
                bundle = (c.PAYMENT_CARD, run.last_token)


def _corrected_part(ctx: _Ctx, run: NumberRun) -> NumberRun | None:
    """The last code said in ``run``, a PIN or card code said again corrected.

    "the code was nine oh nine oh um no nine oh oh nine": when every part
    between corrections has the same three to eight digits, the run holds
    whole values said one after another, and the last one's length tells a
    PIN from a card code (the run stays one finding). A part shorter or
    longer than the others is a fix inside one value ("06, sorry, 06 28"):
    None.
    """
    bounds = [0, *(k for k in run.corrections if 0 < k < len(run.chunks)), len(run.chunks)]
    lengths = {sum(map(len, run.chunks[a:b])) for a, b in itertools.pairwise(bounds)}
    if len(bounds) < 3 or len(lengths) != 1 or not 3 <= min(lengths) <= 8 or run.slash:
        return None
    part = _sub_run(run, bounds[-2], bounds[-1])
    part.first_token = _tok_at(ctx.starts, part.start)
    part.last_token = _tok_at(ctx.starts, part.end) - 1
    return part


_PIN_SIBLING = 12
"""Tokens at most between two PINs of one sentence ("the pin was 0912 but I changed it to 0921")."""
_OR_WORDS = frozenset({"or", ",", "um", "uh", "maybe", "either", "possibly"})


_CORRECTION_REACH = 16
"""Tokens at most between a value and its correction ("..., no wait, that's the old one, the
new one is ...")."""
_CORRECTED = frozenset({c.CARD_SECURITY_CODE, c.CARD_EXPIRY, c.PIN})
"""Categories whose value a caller may say again, corrected, after a "no wait"."""


def _corrected_value(ctx: _Ctx, run: NumberRun, cat: str, prev: NumberRun) -> bool:
    """Whether ``run`` replaces ``prev`` (of ``cat``) after a correction in the same sentence.

    "the code is 281, no wait that's the old card, it's 284": within sixteen
    tokens after it, with "no", "wait", "sorry", "actually" or "I mean"
    between, the same number of digits (for a code) or an expiry's shape,
    and no cue of its own but a card word.
    """
    gap = run.first_token - prev.last_token
    if not 0 < gap <= _CORRECTION_REACH:
        return False
    texts = ctx.toks.texts
    between = texts[prev.last_token + 1 : run.first_token]
    if CORRECTIONS.isdisjoint(between) and "mean" not in between:
        return False
    if _sentence_break(texts, prev.last_token + 1, run.first_token):
        return False
    if cat in (c.CARD_SECURITY_CODE, c.PIN) and len(run.digits) != len(prev.digits):
        return False
    if not _fits(cat, run, explicit=True):
        return False
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    # (a passcode of digits under a password cue: "... password is 90210 1, no wait, 902101")
    return label in (None, cat, c.PAYMENT_CARD) or (cat == c.PIN and label == c.PASSWORD)


def _another_pin(ctx: _Ctx, run: NumberRun, pin: NumberRun, *, before: bool = False) -> bool:
    """Whether ``run`` is one more PIN beside ``pin`` in the same sentence.

    Same number of digits, no cue of its own, not a year after "in" or
    "since", and close: after the PIN within twelve tokens ("used to be 1234
    but now it's 5678", "changed it at the atm to 0921"), or before it with
    only "or" between ("it might be 1234 or 4321, the pin I mean").
    """
    if len(run.digits) != len(pin.digits) or run.quantity or run.decimal or run.colon:
        return False
    texts = ctx.toks.texts
    if before:
        return _OR_WORDS.issuperset(texts[run.last_token + 1 : pin.first_token]) and (
            "or" in texts[run.last_token + 1 : pin.first_token]
        )
    gap = run.first_token - pin.last_token
    return (
        0 < gap <= _PIN_SIBLING
        and not _sentence_break(texts, pin.last_token + 1, run.first_token)
        and not _year_after_preposition(ctx, run)
        and _nearest_cue(ctx, run.first_token, run.last_token) in (None, c.PIN)
    )


def _bundled(ctx: _Ctx, run: NumberRun, prev: str, prev_last: int) -> str | None:
    """The expiry or code said right after a card ("4111..., then 04/28, then 123").

    Only with nothing but "then", "and", commas and fillers between, and no
    cue of its own that says otherwise. After the card, an expiry (if it
    reads as one) and then a code; after the expiry, a code; after a routing
    number, the account number.
    """
    texts = ctx.toks.texts
    gap = texts[prev_last + 1 : run.first_token]
    if len(gap) > 5 or not _BUNDLE_GAP.issuperset(gap):
        return None
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    if prev == c.ROUTING_NUMBER:  # "011000138 then 1029384756": the bank's number, then yours
        fits = 5 <= len(run.digits) <= 17 and _account_shape(run) and not run.quantity
        if label == c.ROUTING_NUMBER and _cue_before(ctx, run.first_token, prev_last):
            label = None  # "routing and account numbers: 011000138 and 1029384756"
        return c.BANK_ACCOUNT if fits and label in (None, c.BANK_ACCOUNT) else None
    if (
        label == c.CARD_EXPIRY
        and prev == c.CARD_EXPIRY
        and _cue_before(ctx, run.first_token, prev_last)
    ):
        label = None  # "exp march 2029 then 1234": the cue named the expiry before
    if label not in (None, c.PAYMENT_CARD):
        return None
    part = _final_part(run)
    d = part.digits
    if prev == c.PAYMENT_CARD and _plausible_expiry(d):
        written_pair = len(part.groups) == 2 or len(d) == 6
        # "nine twenty nine" is a date; "three eight four", digit by digit, a code
        spoken_date = run.spoken and not run.written and len(part.chunks) < len(d)
        if written_pair or spoken_date or run.slash:
            return c.CARD_EXPIRY
    if len(d) in (3, 4) and not run.slash:
        return c.CARD_SECURITY_CODE
    return None


def _routing_then_account(ctx: _Ctx, run: NumberRun) -> list[Finding] | None:
    """ "routing and account numbers are 011000138, 1029384756": both in one run.

    A first group of nine digits with a valid ABA check, then the account
    number (5-17 digits) after the separator, under a routing or account cue
    or question.
    """
    if not run.breaks or len(run.digits) > 26 or run.quantity or run.decimal or run.slash:
        return None
    cum = list(itertools.accumulate(map(len, run.chunks)))
    b = next((k for k in run.breaks if cum[k - 1] == 9), 0)  # the break after nine digits
    first, rest = "".join(run.chunks[:b]), "".join(run.chunks[b:])
    if not b or not 5 <= len(rest) <= 17 or not aba_ok(first):
        return None
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    names = (label,) if label else ctx.expected
    if not {c.ROUTING_NUMBER, c.BANK_ACCOUNT} & set(names):
        return None
    spans = run.spans
    return [
        Finding(c.ROUTING_NUMBER, run.start, spans[b - 1][1]),
        Finding(c.BANK_ACCOUNT, spans[b][0], run.end),
    ]


def _cue_before(ctx: _Ctx, first: int, prev_last: int) -> bool:
    """Whether the cue nearest before token ``first`` ends before token ``prev_last``."""
    j = bisect.bisect_left(ctx.cue_first, first) - 1
    return j >= 0 and ctx.cue_tok[j][1] < prev_last


def _expiry_then_code(ctx: _Ctx, run: NumberRun) -> list[Finding] | None:
    """ "expiry 12 28 and 456": after an expiry cue, the expiry and then the code.

    With no cue of its own, the answer to a question for the expiry first
    ("expiry and code please" - "twelve twenty nine six four four").
    """
    if len(run.digits) > 14:
        return None
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    if label != c.CARD_EXPIRY and not (label is None and ctx.expected[:1] == (c.CARD_EXPIRY,)):
        return None
    tail = _read_tail(run, 0, set(run.breaks))
    if not tail or len(tail) != 2:
        return None
    spans = run.spans
    return [Finding(cat, spans[a][0], spans[b - 1][1]) for cat, a, b in tail]


def _final_part(run: NumberRun) -> NumberRun:
    """The run after its last self-correction ("06, sorry, 06 28" is ``06 28``), or
    after a restart without one ("11 12, 11 12 2006" is ``11 12 2006``)."""
    if run.corrections:
        k = run.corrections[-1]
        if 0 < k < len(run.chunks):
            return _sub_run(run, k, len(run.chunks))
        return run
    plain = run.digits
    if len(plain) > 48:
        return run
    cum = 0
    k = 0
    for b in run.breaks:
        while k < b:
            cum += len(run.chunks[k])
            k += 1
        if cum > 12:
            break
        if cum >= 2 and plain.startswith(plain[:cum], cum):
            return _sub_run(run, b, len(run.chunks))
    return run


def _card_and_tail(ctx: _Ctx, run: NumberRun) -> list[Finding] | None:
    """A card number with its expiry and code said in one breath ("... 1111, 9/29, 384").

    The card is the leading chunks that make a valid card number (or, in card
    context, 16 digits, 15 for Amex); what follows must read as an expiry, a
    code, or an expiry then a code. None when the run is no such thing: a
    whole run that is a valid card stays one card, and so does a card said
    again from the start.
    """
    digits = run.digits
    if len(digits) <= 19 and _self_validating(run) == c.PAYMENT_CARD:
        return None
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    # "for the storage unit, 4012 ..., 06/28, 713": a card that validates itself, with its
    # expiry and code after it, is one under any other cue (but only a valid one)
    valid_only = label not in (None, c.PAYMENT_CARD, c.CARD_EXPIRY, c.CARD_SECURITY_CODE)
    if valid_only and label not in (NEG_OTHER, _NEG_ADDRESS, NEG_REFERENCE):
        return None
    chunks = run.chunks
    cum = list(itertools.accumulate(map(len, chunks)))
    n_digits = len(digits)
    # said again from the start, with no "sorry": one card (only the breaks that
    # leave 13 to 19 digits after them, found by bisection in a long run)
    lo = bisect.bisect_left(cum, n_digits - 19)
    hi = bisect.bisect_right(cum, n_digits - 13)
    for b in run.breaks[
        bisect.bisect_left(run.breaks, lo + 1) : bisect.bisect_right(run.breaks, hi)
    ]:
        if 13 <= n_digits - cum[b - 1] <= 19:
            rest = digits[cum[b - 1] :]
            if rest[:2] == digits[:2] and luhn_ok(rest) and card_brand(rest):
                return None
    brk = set(run.breaks)
    fixes = run.corrections
    # the card starts at the run's start or, said again after a "sorry", at a correction
    for n_fix, start in enumerate([0, *fixes[:3]]):
        base = cum[start - 1] if start else 0
        stop = fixes[n_fix] if n_fix < len(fixes) else len(chunks)  # the next correction
        first = max(start + 1, bisect.bisect_left(cum, base + 13) + 1)
        last = min(len(chunks), stop + 1, bisect.bisect_right(cum, base + 19) + 1)
        ends = [
            e
            for e in range(first, last)
            if 13 <= cum[e - 1] - base <= 19 and 3 <= n_digits - cum[e - 1] <= 24
        ]
        card = [digits[base : cum[e - 1]] for e in ends]
        valid = [e for e, d in zip(ends, card, strict=True) if luhn_ok(d) and card_brand(d)]
        order = [e for e in valid if e in brk] + [e for e in valid if e not in brk]
        if not order and start == 0:
            if valid_only or (label != c.PAYMENT_CARD and c.PAYMENT_CARD not in ctx.expected):
                continue
            want = 15 if digits[:2] in ("34", "37") else 16
            order = [e for e in ends if cum[e - 1] == want]
        for e in order:
            tail = _read_tail(run, e, brk)
            if tail is not None:
                spans = run.spans
                out = [Finding(c.PAYMENT_CARD, spans[0][0], spans[e - 1][1])]
                out.extend(Finding(cat, spans[a][0], spans[b - 1][1]) for cat, a, b in tail)
                return out
    return None


def _read_tail(run: NumberRun, e: int, brk: set[int]) -> list[tuple[str, int, int]] | None:
    """Chunks ``e..`` as (category, first chunk, end chunk): an expiry, a code, or both.

    A self-correction inside a part counts from where it restarts ("six thirty
    two, sorry, five thirty two" is 532).
    """
    chunks = run.chunks
    n = len(chunks)
    fixes = run.corrections

    def final(a: int, b: int) -> str:
        k = bisect.bisect_right(fixes, b - 1) - 1
        start = fixes[k] if k >= 0 and fixes[k] > a else a
        return "".join(chunks[start:b])

    def slash_inside(a: int, b: int) -> bool:
        lo = bisect.bisect_right(run.breaks, a)
        hi = bisect.bisect_left(run.breaks, b, lo)
        return "/" in run.seps[lo:hi] or "slash" in run.seps[lo:hi]

    splits = [k for k in range(e + 1, n) if len(final(k, n)) in (3, 4)]
    splits.sort(key=lambda k: (k not in brk, k not in fixes))
    for k in splits:
        if _plausible_expiry(final(e, k)) and k not in fixes and not slash_inside(k, n):
            return [(c.CARD_EXPIRY, e, k), (c.CARD_SECURITY_CODE, k, n)]
    for k in range(e + 1, min(n, e + 5)):  # "... 1881 739 10/28": the code, then the expiry
        if (
            len(final(e, k)) == 3
            and k in brk
            and k not in fixes
            and not slash_inside(e, k)
            and slash_inside(k, n)
            and _plausible_expiry(final(k, n))
        ):
            return [(c.CARD_SECURITY_CODE, e, k), (c.CARD_EXPIRY, k, n)]
    rest = final(e, n)
    if slash_inside(e, n) and _plausible_expiry(rest):
        return [(c.CARD_EXPIRY, e, n)]
    if len(rest) == 3:
        return [(c.CARD_SECURITY_CODE, e, n)]
    if len(rest) == 4:
        return [(c.CARD_EXPIRY if _plausible_expiry(rest) else c.CARD_SECURITY_CODE, e, n)]
    return None


def _plausible_expiry(d: str) -> bool:
    """MYY, MMYY or MMYYYY with a month and a year a card can carry."""
    if len(d) == 3:
        m, y = int(d[0]), int(d[1:])
    elif len(d) == 4:
        m, y = int(d[:2]), int(d[2:])
    elif len(d) == 6 and d[2:4] == "20":
        m, y = int(d[:2]), int(d[4:])
    elif len(d) == 5 and d[1:3] == "20":
        m, y = int(d[0]), int(d[3:])
    else:
        return False
    return 1 <= m <= 12 and 20 <= y <= 49


def _inside(reach: list[int], starts: list[int], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of the spans, given their sorted
    starts and ``reach[k]``, the furthest end among the first ``k + 1`` spans."""
    k = bisect.bisect_right(starts, start)
    return k > 0 and reach[k - 1] >= end


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """``findings`` in order of start, overlapping ones merged into the first one's category."""
    out: list[Finding] = []
    for f in sorted(findings, key=_span_order):
        if out and f.start < out[-1].end:
            last = out[-1]
            if f.end > last.end:
                out[-1] = Finding(last.category, last.start, f.end)
            continue
        out.append(f)
    return out


def _span_order(f: Finding) -> tuple[int, int]:
    return f.start, -f.end


def _nearest_cue(ctx: _Ctx, first: int, last: int) -> str | None:
    """The label of the cue that governs the run on tokens ``first..last``.

    An address word right after the number wins ("9858 92 Hounslow Rd");
    then the nearest cue before it, within a few words and the same
    sentence; then a cue after it joined by a copula ("... is my card").
    Cues are found by bisection, so long texts stay linear.
    """
    kinds, texts = ctx.toks.kinds, ctx.toks.texts
    cue_tok = ctx.cue_tok
    k = bisect.bisect_right(ctx.cue_first, last)
    for j in range(k, min(k + 3, len(cue_tok))):
        a = cue_tok[j][0]
        if a > last + 3:
            break
        if ctx.cues[j].label == NEG_OTHER and not (
            texts[a] == "times" and _run_between(ctx, last, a)
        ):  # "i put in 8642 three times": the count before "times" is the one it names
            return _NEG_ADDRESS
    j = bisect.bisect_left(ctx.cue_first, first) - 1
    while j >= 0 and cue_tok[j][1] >= first:
        j -= 1
    if j >= 0:
        b = cue_tok[j][1]
        if first - b - 1 <= 3 * _PRECEDING_WINDOW:
            words = sum(
                1
                for kind, w in zip(kinds[b + 1 : first], texts[b + 1 : first], strict=True)
                if kind == WORD and w not in _LIGHT_WORDS
            )
            if (
                words <= _PRECEDING_WINDOW
                and not _sentence_break(texts, b + 1, first)
                and (words <= _OWN_REACH or not _numbers_between(ctx, b, first))
                and not _trails_run(ctx, cue_tok[j][0])
            ):
                return ctx.cues[j].label
    if k < len(cue_tok):
        a = cue_tok[k][0]
        if a - last <= 2 * _FOLLOWING_WINDOW + 2:
            words = [
                w for kind, w in zip(kinds[last + 1 : a], texts[last + 1 : a], strict=True)
                if kind != PUNCT
            ]  # fmt: skip
            if (
                len(words) <= _FOLLOWING_WINDOW + 1
                and _AFTER_LINKS.issuperset(words)
                and not _run_between(ctx, cue_tok[k][1], cue_tok[k][1] + 2)
            ):  # a cue with a number right after it names that one ("... checking 9182")
                return ctx.cues[k].label
    return None


_TRAIL_VERBS = frozenset({"for", "is", "as", "that's", "thats", "was"})
_TRAIL_LINKS = _TRAIL_VERBS | {"the", "my"}
"""Words that join a number to a cue after it ("121000358 for the routing"); one of
``_TRAIL_VERBS`` among them."""


def _trails_run(ctx: _Ctx, a: int) -> bool:
    """Whether the cue at token ``a`` names the number just before it ("... for the routing").

    Linking words only ("for the", "is my"), at least one and at most three, between the
    number's last token and the cue: then the cue is that number's, not the next one's
    ("121000358 for the routing and 9004 2217 68 for the account").
    """
    k = bisect.bisect_left(ctx.run_lasts, a) - 1
    if k < 0 or not 2 <= a - ctx.run_lasts[k] <= 4:
        return False
    between = ctx.toks.texts[ctx.run_lasts[k] + 1 : a]
    return _TRAIL_LINKS.issuperset(between) and not _TRAIL_VERBS.isdisjoint(between)


def _numbers_between(ctx: _Ctx, lo: int, hi: int) -> bool:
    """Whether a number other than a pronoun "one" starts strictly between tokens ``lo`` and
    ``hi`` ("the debit PIN, the one I use at the ATM, is 7 3 0 9": no number between)."""
    firsts, texts = ctx.run_firsts, ctx.toks.texts
    k = bisect.bisect_right(firsts, lo)
    while k < len(firsts) and firsts[k] < hi:
        if k >= len(ctx.runs) or not _pronoun_one(texts, ctx.runs[k]):
            return True
        k += 1
    return False


def _run_between(ctx: _Ctx, lo: int, hi: int) -> bool:
    """Whether a number starts strictly between tokens ``lo`` and ``hi``."""
    firsts = ctx.run_firsts
    k = bisect.bisect_right(firsts, lo)
    return k < len(firsts) and firsts[k] < hi


_ABBREVIATIONS = frozenset(
    {"exp", "acct", "no", "num", "nr", "dob", "ss", "sec", "cvv", "cvc", "ver", "conf", "ref"}
)  # fmt: skip
"""Cue words a full stop may abbreviate ("exp. 04/29"); after any other, it ends a sentence."""


def _sentence_break(texts: list[str], lo: int, hi: int) -> bool:
    """Whether a full stop stands among tokens ``lo..hi-1`` (an ellipsis is a pause, not one)."""
    for k in range(lo, hi):
        if k == lo and texts[k] == "." and k > 0 and texts[k - 1] in _ABBREVIATIONS:
            continue  # "exp. 04/29": the cue was an abbreviation
        if texts[k] == "." and not (
            (k > 0 and texts[k - 1] == ".") or (k + 1 < len(texts) and texts[k + 1] == ".")
        ):
            return True
    return False


def _classify(ctx: _Ctx, run: NumberRun) -> str | None:
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    raw = ctx.text[run.start : run.end]
    if label == _NEG_ADDRESS:
        found = _self_validating(run)
        return found if found == c.PAYMENT_CARD else None
    if label == NEG_LAST4 and len(run.digits) >= 12:
        # "mastercard ending, well the whole thing is 5555...": the card's (an account's after
        # "the account ending")
        label = c.BANK_ACCOUNT if _cue_before_cue(ctx, run) == c.BANK_ACCOUNT else c.PAYMENT_CARD
    if label == c.PAYMENT_CARD and _card_date(ctx, run):
        return c.CARD_EXPIRY  # "the new card, the date is 08/30": the date a card carries
    if label == c.PAYMENT_CARD and len(run.digits) <= 4 and c.PAYMENT_CARD not in ctx.expected:
        # "the PIN on my prepaid card, 2715", "the last four of the card are 4444": a card
        # names where a short number belongs; the cue before it says what the number is
        owner = _cue_before_cue(ctx, run, reach=_CARD_OWNER_REACH)
        if owner in (c.PIN, c.CARD_SECURITY_CODE, NEG_LAST4):
            label = owner
    if label == NEG_LAST4:
        named = _last_digits_of(ctx, run)
        if named is not None:
            return named  # "my social's last four are 6789", "the code on the back, the last three"
    if label is not None and label.startswith("neg:"):
        if label == NEG_MONEY and _account_before_routing(ctx, run):
            return c.BANK_ACCOUNT  # "for the deposit use 4 1 1 7 0 5 5 2 at routing ..."
        if label in _NEG_NOT_CARDS and _self_validating(run) == c.PAYMENT_CARD:
            return c.PAYMENT_CARD  # "pay with 4111 1111 1111 1111"
        return None
    if (
        run.colon
        or run.decimal
        or run.quantity
        or (("," in raw or "." in raw) and _QUANTITY_RE.match(raw))
    ) and (label or (ctx.expected[:1] or ("",))[0]) not in _DATES_AND_WORDS:
        if label in _CARDINAL_VALUES and not run.decimal and _closely_linked(ctx, run):
            pass  # "my pin is 1,234", "the code is eight hundred and two"
        else:
            # "5,105,105,105,105,100": a card number written as one cardinal
            return c.PAYMENT_CARD if _self_validating(run) == c.PAYMENT_CARD else None
    if label in _PLAIN_YEAR_NOT and _year_after_preposition(ctx, run):
        return None  # "the card I got in 2019"
    if label == c.DATE_OF_BIRTH and _year_after_preposition(ctx, run) and _cue_far(ctx, run, 2):
        return None  # "i was born in ohio but moved here in 1992": another year, after a verb
    if label == c.PASSWORD and _digit_passcode(ctx, run):
        return c.PIN  # "my voicemail password, just numbers, is 6 8 6 8": a passcode of digits
    if label == c.PASSWORD and not _linked_to_cue(ctx, run):
        return None  # "your password must be at least eight characters"
    if label is not None:
        if (
            label == c.BANK_ACCOUNT
            and _self_validating(run) == c.ROUTING_NUMBER
            and _cue_text(ctx, run) in _BARE_ACCOUNT_WORDS
        ):
            return c.ROUTING_NUMBER  # "checking 021000021": the bank's number, by its check
        if label == c.PAYMENT_CARD and _self_validating(run) == c.SSN:
            return c.SSN  # "it's on my husband's card actually, his is 512 08 3941"
        if label in _CODE_LABELS:
            other = _other_code(ctx, run, label)
            if other is not None:
                return other
        if _fits(label, run, explicit=True):
            return label
        if label == c.BANK_ACCOUNT and _account_in_phone_groups(ctx, run):
            return label  # "savings is 330 418 5592": grouped as a phone number is, but named
        if (
            label == c.CARD_SECURITY_CODE
            and "back" in _cue_text(ctx, run)
            and _cue_before_cue(ctx, run) == NEG_REFERENCE
        ):
            return None  # "the serial number on the back is ...": where the serial is printed
        if label == c.CARD_SECURITY_CODE and 5 <= len(run.digits) <= 8 and not run.slash:
            return c.PIN  # "the code they texted me is 482913": a one-time passcode
        if label in _PLACE_LABELS or (label == c.CARD_SECURITY_CODE and run.slash):
            for cat in ctx.expected:  # "the expiry?" - "it's the new card... four slash 31"
                if cat != label and _fits(cat, run, explicit=False):
                    return cat  # the word only said where the value is printed
        if (
            label == c.SSN
            and 4 in map(len, run.readings)
            and _LAST4_RE.search(ctx.text, max(0, run.start - 60), run.start)
        ):
            return c.SSN  # "the last four of my social are 1234"
    else:
        if _pronoun_one(ctx.toks.texts, run):
            return None  # "sorry, which one, me or my husband?"
        if c.SSN in ctx.expected[1:] and c.SSN in (_self_validating(run), _nine_said(run)):
            return c.SSN  # "the card number or your social?" - "five one two oh eight ..."
        if (
            c.PIN in ctx.expected[1:]
            and c.BANK_ACCOUNT in ctx.expected
            and 4 <= len(run.digits) <= 6
        ):
            return c.PIN  # "your account PIN" - "7 4 2 0 8 1": a PIN's length, no account's
        for cat in ctx.expected:
            if cat == c.PASSWORD and c.PIN in ctx.expected and _fits(c.PIN, run, explicit=False):
                return c.PIN  # "go ahead with the passcode" - "six two four eight"
            if _fits(cat, run, explicit=False):
                return cat
            if cat == c.CARD_SECURITY_CODE and _one_time_code(ctx, run):
                return c.PIN  # "the verification code?" - "nine four seven two oh five"
        if _pin_attempt(ctx, run):
            return c.PIN
        if _account_before_routing(ctx, run):
            return c.BANK_ACCOUNT  # "use 4 1 1 7 0 5 5 2 at routing 011000015"
        if _expiry_before_code(ctx, run):
            return c.CARD_EXPIRY  # "oh four twenty nine with the code five seven seven"
        bare = _bare_birth_date(ctx.text, run)
        if bare and not _after_event_word(ctx.toks.texts, run.first_token):
            return c.DATE_OF_BIRTH  # "he's a patient there, ten twenty two oh nine"
    return _self_validating(run) or _nine_said(run)


def _one_time_code(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether ``run``, the answer to a card-code question, is a one-time code instead.

    Five to eight digits, no slash, colon or amount, and no other card value
    asked for beside the code: no card code is that long, a texted code is.
    """
    if not 5 <= len(run.digits) <= 8 or run.slash or run.colon or run.quantity or run.decimal:
        return False
    return ctx.expected[:1] == (c.CARD_SECURITY_CODE,) and c.CARD_EXPIRY not in ctx.expected


_DETERMINERS = frozenset(
    {"which", "that", "this", "the", "each", "every", "any", "no", "some", "another", "a",
     "other", "new", "old", "right", "wrong", "last", "first", "same", "what"}
)  # fmt: skip
"""Words before "one" that make it a pronoun ("which one", "the new one")."""


def _pronoun_one(texts: list[str], run: NumberRun) -> bool:
    """Whether ``run`` is a lone "one" after a determiner (a pronoun) or "one second" (a pause)."""
    k = run.first_token
    if k + 1 == run.last_token:
        return texts[k] == "one" and texts[k + 1] == "second"
    return k == run.last_token and k > 0 and texts[k] == "one" and texts[k - 1] in _DETERMINERS


_CODE_LABELS = frozenset({c.CARD_SECURITY_CODE, c.PIN})
_PLAIN_CODE_CUES = frozenset(
    {"code", "four digits", "4 digits", "four digit", "4 digit", "four digit code",
     "4 digit code", "four numbers", "4 numbers"}
)  # fmt: skip
"""Card-code cues that name no card: with four digits and no card in sight, a PIN's."""


def _other_code(ctx: _Ctx, run: NumberRun, label: str) -> str | None:
    """The other of PIN and card code, when a plain "code" cue's number is the other's length.

    "so the code is eight oh eight oh" or "the four digits are 2279", four
    digits with no card in sight (no card word, no card's digits, no card
    code asked for), is a PIN; "the
    code you gave me was 339", three digits, a card's code.
    """
    n = len(run.digits)
    if label == c.PIN:
        if n == 3 and _cue_text(ctx, run).startswith("code"):
            return c.CARD_SECURITY_CODE
        return None
    if (
        3 <= n <= 8
        and _cue_text(ctx, run) == "code"
        and _cue_before_cue(ctx, run, reach=_CODE_OWNER_REACH) == c.PIN
        and c.CARD_SECURITY_CODE not in ctx.expected
    ):
        return c.PIN  # "the lockbox on the front door, the code is 0 6 1 9": that code
    if (
        n == 4
        and c.CARD_SECURITY_CODE not in ctx.expected
        and " ".join(_cue_text(ctx, run).replace("-", " ").split()) in _PLAIN_CODE_CUES
        and not _card_in_sight(ctx)
    ):
        return c.PIN
    return None


_CARD_OWNER_REACH = 10
"""Tokens at most between a PIN or code cue and the card cue after it that names its card."""
_CODE_OWNER_REACH = 16
"""Tokens at most between a PIN cue and a plain "code" after it that names the same code."""


def _cue_before_cue(ctx: _Ctx, run: NumberRun, *, reach: int = 2) -> str | None:
    """The label of the cue before the one that governs ``run``, when it is close.

    Within ``reach`` tokens of that cue, in the same sentence and with no number
    between: "the PIN on my
    prepaid card" (a PIN's card), "the account ending ... 6620 ..." (an account's end).
    """
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    while j >= 0 and ctx.cue_tok[j][1] >= run.first_token:
        j -= 1
    if j < 1:
        return None
    a, b = ctx.cue_tok[j][0], ctx.cue_tok[j - 1][1]
    if a - b - 1 > reach or _sentence_break(ctx.toks.texts, b + 1, a) or _run_between(ctx, b, a):
        return None  # (a number between is the earlier cue's: "my pin is 0429 and the code ...")
    return ctx.cues[j - 1].label


def _card_date(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether ``run``, after a card cue and "the date is", reads as that card's expiry.

    "Date" among the few words between the cue and the number, and a month and a year a
    card runs to (08/30, "oh eight thirty").
    """
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0 or not 3 <= len(run.digits) <= 4 or run.quantity or run.decimal or run.colon:
        return False
    between = ctx.toks.texts[ctx.cue_tok[j][1] + 1 : run.first_token]
    return (
        "date" in between
        and len(between) <= 8
        and _expiry_shape(run)
        and _plausible_expiry(run.digits.zfill(4) if len(run.digits) == 3 else run.digits)
    )


def _digit_passcode(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether a password cue's number is a passcode of four to eight digits, said as one.

    Linked to the cue ("my voicemail password is 6 8 6 8"), or with "just numbers" or
    "which is" between ("voicemail password, which is just numbers, is 902101").
    """
    n = len(run.digits)
    if not 4 <= n <= 8 or run.quantity or run.decimal or run.colon or run.slash:
        return False
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0 or ctx.cues[j].label != c.PASSWORD:
        return False
    between = ctx.toks.texts[ctx.cue_tok[j][1] + 1 : run.first_token]
    return len(between) <= 8 and _PASSCODE_GAP.issuperset(between)


_PASSCODE_GAP = COPULA | frozenset(
    {",", ":", "-", "which", "just", "only", "all", "numbers", "digits", "um", "uh", "it"}
)


def _account_in_phone_groups(ctx: _Ctx, run: NumberRun) -> bool:
    """Ten digits grouped 3-3-4 right after an account cue ("checking 403 998 2117").

    Grouped as a phone number is, but with the account's cue closely linked and no
    phone exchange "555" in the middle.
    """
    groups = run.groups
    if [len(g) for g in groups] != [3, 3, 4] or groups[1] == "555" or run.slash:
        return False
    return _closely_linked(ctx, run)


def _card_in_sight(ctx: _Ctx) -> bool:
    """Whether the text names a card or holds a card's worth of digits (worked out once)."""
    if ctx.card_in_sight is None:
        ctx.card_in_sight = not _CARD_WORDS.isdisjoint(ctx.toks.texts) or any(
            len(r.digits) >= 13 for r in ctx.runs
        )
    return ctx.card_in_sight


_PLACE_LABELS = frozenset({c.PAYMENT_CARD, c.ROUTING_NUMBER})
"""Cues that also name where another value is printed ("the new card", "after the routing")."""
_CARD_WORDS = frozenset(
    {"card", "amex", "american", "express", "front", "back", "visa", "mastercard", "discover",
     "cvv", "cvc", "security", "expiry", "expires", "expiration", "exp", "card's", "cards"}
)  # fmt: skip
"""Words that put a card in the text (as a card's digits do): a four-digit "code" there is
its code, not a PIN."""

_BARE_ACCOUNT_WORDS = frozenset({"checking", "savings", "chequing"})
"""Cues that name the account's kind only: a number after them may be its routing number."""


_LAST_OF = {c.SSN: (4,), c.CARD_SECURITY_CODE: (3, 4)}
"""Categories whose "last four" (or three) a caller gives as the value itself."""


def _last_digits_of(ctx: _Ctx, run: NumberRun) -> str | None:
    """The category of a "last four" that the cue right before it names, if it is one.

    "my social's last four are 6789" is an SSN's; "the security code on the
    back um the last three, 394" a code (its last digits are all of it).
    A card's last four stay no value.
    """
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 1 or ctx.cue_tok[j][0] - ctx.cue_tok[j - 1][1] > 4:
        return None
    cat = ctx.cues[j - 1].label
    lengths = _LAST_OF.get(cat, ())
    return cat if any(len(r) in lengths for r in run.readings) else None


def _cue_text(ctx: _Ctx, run: NumberRun) -> str:
    """The words of the nearest cue before ``run``, lower-cased ("" if none)."""
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0:
        return ""
    q = ctx.cues[j]
    return ctx.text[q.start : q.end].lower()


def _year_after_preposition(ctx: _Ctx, run: NumberRun) -> bool:
    """A four-digit year after "in", "since", "from" ...: a time, not a value."""
    d = run.digits
    if len(d) != 4 or len(run.groups) != 1 or not 1950 <= int(d) <= 2039:
        return False
    first = run.first_token
    return first > 0 and ctx.toks.texts[first - 1] in _YEAR_PREPOSITIONS


def _cue_far(ctx: _Ctx, run: NumberRun, words: int) -> bool:
    """Whether more than ``words`` words stand between the cue before ``run`` and it."""
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0:
        return False
    between = ctx.toks.texts[ctx.cue_tok[j][1] + 1 : run.first_token]
    return sum(1 for w in between if w not in _LIGHT_WORDS) > words


def _closely_linked(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether the cue right before ``run`` names it, with at most "is", "my", ":" between."""
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0:
        return False
    between = ctx.toks.texts[ctx.cue_tok[j][1] + 1 : run.first_token]
    return len(between) <= 4 and _CLOSE_LINKS.issuperset(between)


def _linked_to_cue(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether only linking words ("is", "'s", ":") stand between the cue before ``run`` and it."""
    j = bisect.bisect_left(ctx.cue_first, run.first_token) - 1
    if j < 0 or ctx.cues[j].label != c.PASSWORD:
        return True  # the cue follows the number ("1234 is my password")
    between = ctx.toks.texts[ctx.cue_tok[j][1] + 1 : run.first_token]
    return len(between) <= 6 and PASSWORD_LINKS.issuperset(between)


_BEFORE_CODE = frozenset({"with", "and", "the", "then", ",", "um", "uh", "plus", "its", "it's"})


def _expiry_before_code(ctx: _Ctx, run: NumberRun) -> bool:
    """A month and year said just before the card's code: "oh four twenty nine with the code 577".

    A number that reads as a card's expiry (a month and a year 2020-2049),
    with no cue of its own, then within four tokens of linking words ("with",
    "and the") a card-code cue with its number after it.
    """
    if not 3 <= len(run.digits) <= 4 or run.quantity or run.decimal or run.colon:
        return False
    k = bisect.bisect_right(ctx.cue_first, run.last_token)
    if k == len(ctx.cues) or ctx.cues[k].label != c.CARD_SECURITY_CODE:
        return False
    a, b = ctx.cue_tok[k]
    if a - run.last_token > 5 or not _BEFORE_CODE.issuperset(
        ctx.toks.texts[run.last_token + 1 : a]
    ):
        return False
    return _plausible_expiry(run.digits) and _expiry_shape(run) and _run_between(ctx, b, b + 4)


def _pin_attempt(ctx: _Ctx, run: NumberRun) -> bool:
    """A tried number that failed: "I tried 2 4 6 8 but it said wrong PIN".

    Four to eight digits after an attempt verb ("tried", "entered", "put in";
    or after "and then" / "or" following such a number: "I tried 1357 and
    then 7531"), with, in the same sentence, a PIN cue after it or a report
    that it failed ("wrong", "incorrect", "locked me out", "didn't work")
    within ten tokens after it or before the attempt ("it said it was wrong
    so I tried 0017"), "again" right after the verb ("let me try again,
    5582"), a second guess after it ("I put 7264 but it might be 7246", "...
    then I remembered it's 7246"), or the verb as an instruction ("enter 0411").
    """
    if not 4 <= len(run.digits) <= 8:
        return False
    texts = ctx.toks.texts
    first = _attempt_start(ctx, run.first_token)
    if first < 0:
        return False
    if texts[first + 1] == "again" and _RETRY_GAP.issuperset(texts[first + 2 : run.first_token]):
        return True  # "let me try again, 5582": a retry says the last one failed
    if texts[first] in _KEY_IN and (first == 0 or texts[first - 1] in _CLAUSE_STARTS):
        return True  # "Enter 0 4 1 1 for the toll account": an instruction to key it in
    k = bisect.bisect_right(ctx.cue_first, run.last_token)
    hi = min(len(texts), run.last_token + 1 + _PIN_AFTER)
    if (
        k < len(ctx.cues)
        and ctx.cue_tok[k][0] < hi
        and not _run_between(ctx, run.last_token, ctx.cue_tok[k][0])
    ):
        a = ctx.cue_tok[k][0]
        # a cue after it names it: "wrong PIN" is one; "invalid zip" is no PIN (a cue
        # past another number, "8642 three times", is that one's); a failure said before
        # a reference ("... and it locked me out of the gift card page") makes it one
        if ctx.cues[k].label == c.PIN:
            return not _sentence_break(texts, run.last_token, a)
        if ctx.cues[k].label != NEG_REFERENCE:
            return False
        hi = a
    lo = max(0, first - _PIN_AFTER)
    return (
        _failed(texts, run.last_token + 1, hi)
        or _failed(texts, lo, first, backwards=True)
        or _second_guess(ctx, run)
    )


_ROUTING_LINKS = frozenset({"at", ",", "and", "with", "the", "um", "uh", "-"})


def _account_before_routing(ctx: _Ctx, run: NumberRun) -> bool:
    """An account number said just before the bank's routing number and its value.

    "use 990144732 at routing 030166134", "3 1 2 5 5 0 8 7 4, routing ...":
    five to seventeen digits in an account's shape, then within four tokens
    of "at", "and" or a comma a routing cue with its own number right after it.
    """
    if not 5 <= len(run.digits) <= 17 or not _account_shape(run) or run.slash or run.quantity:
        return False
    k = bisect.bisect_right(ctx.cue_first, run.last_token)
    if k == len(ctx.cues) or ctx.cues[k].label != c.ROUTING_NUMBER:
        return False
    a, b = ctx.cue_tok[k]
    texts = ctx.toks.texts
    if a - run.last_token > 4 or not _ROUTING_LINKS.issuperset(texts[run.last_token + 1 : a]):
        return False
    return _run_between(ctx, b, b + 3)


_KEY_IN = frozenset({"enter", "type", "key", "punch"})
_CLAUSE_STARTS = frozenset(
    {".", ",", "!", "?", ":", "so", "just", "then", "and", "you", "um", "uh"}
)
"""Words before an imperative ("so just enter 4417", "you type 0 0 9 1")."""
_HEDGES = frozenset(
    {"might", "maybe", "could", "or", "possibly", "probably", "remembered", "realized", "meant"}
)  # fmt: skip


def _second_guess(ctx: _Ctx, run: NumberRun) -> bool:
    """Whether another number as long follows with a hedge between ("... but it might be 7246").

    A caller unsure which of two numbers they put in is unsure of a PIN.
    """
    k = bisect.bisect_right(ctx.run_firsts, run.last_token)
    if k == len(ctx.run_firsts):
        return False
    a = ctx.run_firsts[k]
    if a - run.last_token > _PIN_AFTER or len(ctx.runs[k].digits) != len(run.digits):
        return False
    return not _HEDGES.isdisjoint(ctx.toks.texts[run.last_token + 1 : a])


_RETRY_GAP = frozenset({",", "-", ":", ".", "um", "uh", "er", "with", "it's", "its"})
_FAILED = frozenset(
    {"wrong", "incorrect", "invalid", "locked", "rejected", "failed", "denied", "error"}
)  # fmt: skip
_NEGATED = frozenset(
    {"didn't", "didnt", "doesn't", "doesnt", "wasn't", "wouldn't", "won't", "neither", "none"}
)  # fmt: skip
_WORKED = frozenset({"work", "working", "worked", "go", "match", "matched", "accept", "take"})
_CHAINED = frozenset({"and", "then", "or", ",", "also", "after", "that"})
"""Words between two tried numbers ("I tried 1357 and then 7531")."""


def _attempt_start(ctx: _Ctx, first: int) -> int:
    """Where the attempt verb before the number at token ``first`` stands (-1: none).

    Within three tokens before it, or before the number tried just before it
    when only "and then", "or" or a comma stand between the two.
    """
    texts = ctx.toks.texts
    for _ in range(2):
        lo = max(0, first - 3)
        for k in range(first - 1, lo - 1, -1):
            if texts[k] in _ATTEMPTS:
                return k
        k = first - 1
        while k >= lo and texts[k] in _CHAINED:
            k -= 1
        j = bisect.bisect_left(ctx.run_firsts, first) - 1
        if k == first - 1 or j < 0 or ctx.run_lasts[j] != k:
            return -1
        first = ctx.run_firsts[j]
    return -1


def _failed(texts: list[str], lo: int, hi: int, *, backwards: bool = False) -> bool:
    """Whether tokens ``lo..hi-1`` (one sentence) report a failure: "wrong", "didn't work"."""
    span = range(hi - 1, lo - 1, -1) if backwards else range(lo, hi)
    for k in span:
        w = texts[k]
        if w == "." and not (k > 0 and texts[k - 1] == "."):
            return False
        if w in _FAILED or (w in _WORKED and k > lo and texts[k - 1] in _NEGATED):
            return True
    return False


def _sub_run(run: NumberRun, k: int, end: int) -> NumberRun:
    sub = NumberRun(run.spans[k][0], run.spans[end - 1][1], run.first_token, run.last_token)
    sub.chunks = run.chunks[k:end]
    sub.spans = run.spans[k:end]
    lo = bisect.bisect_right(run.breaks, k)
    hi = bisect.bisect_left(run.breaks, end, lo)
    sub.breaks = [b - k for b in run.breaks[lo:hi]]
    sub.seps = run.seps[lo:hi]
    sub.written, sub.spoken = run.written, run.spoken
    return sub


def _split_findings(ctx: _Ctx, run: NumberRun) -> list[Finding]:
    """Several numbers read one after another ("4012888888881881 4012-8888-8888-1881").

    From each group boundary, the longest stretch of whole groups that
    validates itself is a finding; only 9 and 13-19 digits can. Each
    stretch costs constant time (:class:`~.validators.LuhnSums`, group
    shapes checked before anything is built), so a long run stays linear.
    """
    if _nearest_cue(ctx, run.first_token, run.last_token) is not None:
        return []
    bounds = [0, *run.breaks, len(run.chunks)]
    chunk_len = list(itertools.accumulate(map(len, run.chunks), initial=0))
    gstart = [chunk_len[b] for b in bounds]  # digit offset of each group boundary
    digits = run.digits
    if not (digits.isascii() and digits.isdigit()):
        return []
    at = [-1] * (len(digits) + 20)  # group boundary at a digit offset (-1: none)
    for i, g in enumerate(gstart):
        at[g] = i
    ng = len(bounds) - 1
    luhn = LuhnSums(digits)
    odd_sums, even_sums = luhn.sums(1), luhn.sums(0)  # by the parity of a stretch's end
    lengths_of = CARD_LENGTHS.get
    out = []
    spans = run.spans
    skip = 0  # groups before this are inside the last finding
    for k in range(ng):
        if k < skip:
            continue
        base = gstart[k]
        hit = None
        for length in lengths_of(digits[base : base + 2], ()):  # longest first
            if length < 13:
                break
            e = at[base + length]
            if e < 0:
                continue
            end = base + length
            plain, doubled = odd_sums if end & 1 else even_sums
            if (plain[end] - plain[base] + doubled[end] - doubled[base]) % 10 == 0 and card_brand(
                digits[base:end]
            ):
                hit = (e, c.PAYMENT_CARD)
                break
        if hit is None:
            if gstart[k + 1] - base not in _NINE_FIRST_GROUP:
                continue
            e = at[base + 9]  # SSN or routing number: by grouping, as a run of its own
            if e < 0:
                continue
            shape = [gstart[g + 1] - gstart[g] for g in range(k, e)]
            if shape not in _NINE_DIGIT_SHAPES:
                continue
            cat = _self_validating(_sub_run(run, bounds[k], bounds[e]))
            if cat is None:
                continue
            hit = (e, cat)
        e, cat = hit
        out.append(Finding(cat, spans[bounds[k]][0], spans[bounds[e] - 1][1]))
        skip = e
    return out


_NINE_DIGIT_SHAPES = ([3, 2, 4], [9], [4, 4, 1])
_NINE_FIRST_GROUP = frozenset({3, 4, 9})
"""Group shapes a nine-digit number validates itself in (SSN 3-2-4, ABA 9 or 4-4-1)."""


def _self_validating(run: NumberRun) -> str | None:
    """The category a number is by its own structure, wherever it stands (or None).

    A card: 13-19 digits with a valid Luhn check and a real IIN range. Nine
    digits grouped 3-2-4 and keeping the SSA rules: an SSN; written in one
    group (or 4-4-1, 3-3-3) with a valid ABA check: a routing number; else written
    in one group and keeping the SSA rules, an SSN. (Said in words or read
    digit by digit, nine digits are one only as a whole number:
    :func:`_nine_said`.)
    """
    for r in run.readings:
        if 13 <= len(r) <= 19 and luhn_ok(r) and card_brand(r):
            return c.PAYMENT_CARD
    digits = run.digits
    if len(digits) == 9:
        shape = [len(g) for g in run.groups]
        if shape == [3, 2, 4] and len(set(run.seps)) == 1 and ssn_ok(digits):
            return c.SSN
        if shape in ([9], [4, 4, 1], [3, 3, 3]) and aba_ok(digits):
            return c.ROUTING_NUMBER
        if shape == [9] and ssn_ok(digits) and run.written:
            return c.SSN
    return None


def _nine_said(run: NumberRun) -> str | None:
    """A whole number of nine digits in one breath, said in words or read digit by digit.

    "five twelve oh eight thirty nine forty one", "2 1 9 4 4 7 0 8 3", or
    said again after a "no wait": a routing number when its ABA check holds,
    else an SSN when it keeps the SSA rules. Said in three groups of three,
    only a routing number. Not a cardinal ("nine hundred
    ... thousand"), a time or a decimal.
    """
    if run.quantity or run.decimal or run.colon or run.slash:
        return None
    part = run
    n = len(run.digits)
    if n != 9:
        part = _final_part(run) if 9 < n <= 18 else run
        if part is run or len(part.digits) != 9:
            return None  # "three eight nine ... four four no wait three eight nine ... four seven"
    digits = part.digits
    if len(set(digits)) == 1:
        return None  # "one one one one one one one one one": no number anyone was given
    if part.breaks and not (len(part.breaks) == 8 and set(part.seps) == {" "}):
        if [len(g) for g in part.groups] == [3, 3, 3] and aba_ok(digits):
            return c.ROUTING_NUMBER  # "two six one, oh seven three, three one three"
        return None  # grouped: 3-2-4 is _self_validating's; other groupings are no SSN
    if aba_ok(digits):
        return c.ROUTING_NUMBER
    return c.SSN if ssn_ok(digits) else None


def _fits(cat: str, run: NumberRun, *, explicit: bool) -> bool:
    """Whether a number of this shape can be a value of ``cat``.

    A self-corrected or restarted number fits when one of its readings does
    ("06, sorry, 06 28"; "five eight one, five eight one one seven ...").
    """
    if _shape_fits(cat, run, explicit=explicit):
        return True
    if cat in (c.CARD_EXPIRY, c.DATE_OF_BIRTH):
        part = _final_part(run)
        if part is not run and _shape_fits(cat, part, explicit=explicit):
            return True
        return cat == c.CARD_EXPIRY and explicit and _year_then_expiry(run)
    if len(run.readings) == 1:
        return False
    lengths = set(map(len, run.readings[1:]))
    if cat == c.SSN or cat == c.ROUTING_NUMBER:
        return 9 in lengths
    if cat == c.CARD_SECURITY_CODE:
        return bool(lengths & {3, 4})
    if cat == c.PIN:
        return any(3 <= k <= 8 for k in lengths)
    if cat == c.BANK_ACCOUNT:
        return any(5 <= k <= 17 for k in lengths)
    return False


def _shape_fits(cat: str, run: NumberRun, *, explicit: bool) -> bool:
    n = len(run.digits)
    if cat == c.PAYMENT_CARD:
        if run.slash and (_expiry_shape(run) or _date_shape(run)):
            return False
        return n >= 4
    if cat == c.CARD_SECURITY_CODE:
        return n in (3, 4)
    if cat == c.CARD_EXPIRY:
        return _expiry_shape(run)
    if cat == c.SSN:
        return n == 9 or (not explicit and 2 <= n <= 9)
    if cat == c.BANK_ACCOUNT:
        if explicit:
            return 5 <= n <= 17 and _account_shape(run)
        return 2 <= n <= 17 and not run.slash
    if cat == c.ROUTING_NUMBER:
        return n == 9 or (not explicit and 2 <= n <= 9)
    if cat == c.IBAN:
        return n >= 4
    if cat == c.DATE_OF_BIRTH:
        return _date_shape(run)
    if cat == c.PIN:
        return 3 <= n <= 8
    if cat == c.PASSWORD:
        return n >= 1
    return False


def _year_then_expiry(run: NumberRun) -> bool:
    """ "the end of twenty-eight, 12/28": a card's year, then the expiry said in full."""
    if len(run.breaks) < 2 or run.seps[0] != "," or run.breaks[0] != 1:
        return False
    year, rest = run.chunks[0], _sub_run(run, 1, len(run.chunks))
    rest.slash = "/" in rest.seps or "slash" in rest.seps
    return (
        (len(year) == 2 or len(year) == 4)
        and "20" <= year[-2:] <= "49"
        and rest.slash
        and _expiry_shape(rest)
        and rest.digits.endswith(year[-2:])
    )


def _account_shape(run: NumberRun) -> bool:
    """Not a date, a year or a phone number ("the account was opened on 03/14/2019")."""
    if run.slash or run.ordinal:
        return False
    shape = [len(g) for g in run.groups]
    if shape in ([3, 3, 4], [1, 3, 3, 4]):
        return False  # 415 555 0134
    return not (len(shape) == 3 and shape[2] in (2, 4) and max(shape[:2]) <= 2)


def _expiry_shape(run: NumberRun) -> bool:
    groups = run.groups
    if len(groups) == 2:
        m, y = groups
        if m.isdigit() and 1 <= int(m) <= 12 and len(m) <= 2 and len(y) in (2, 4):
            return True
        if len(m) == 4 and m[:2] == "20" and len(y) == 2 and 1 <= int(y) <= 12:
            return True  # "exp 2028-06": year first, as a form writes it
        if run.slash:
            return False
    d = run.digits
    if len(d) == 4:
        return 1 <= int(d[:2]) <= 12 or ("2020" <= d <= "2049" and len(groups) == 1)  # "2028"
    if len(d) == 3:
        return d[0] != "0"
    if len(d) == 6:
        return 1 <= int(d[:2]) <= 12 and d[2:4] == "20"
    return False


def _date_shape(run: NumberRun) -> bool:
    chunks = run.chunks
    if run.spoken and len(chunks) == 3 and len(chunks[2]) in (2, 4):
        m, d = int(chunks[0] or "0"), int(chunks[1] or "0")
        if 1 <= m <= 12 and 1 <= d <= 31:
            return True  # "seven four eighty"
    groups = run.groups
    if len(groups) == 3 and all(g.isdigit() for g in groups):
        a, b, y = (int(g) for g in groups)
        if len(groups[0]) == 4:
            a, b, y = b, y, a
        return (1 <= a <= 31 and 1 <= b <= 31) and (len(groups[2]) in (2, 4) or y > 1000)
    d = run.digits
    if len(d) == 8:
        mm, dd, yy = int(d[:2]), int(d[2:4]), int(d[4:])
        if 1 <= mm <= 12 and 1 <= dd <= 31 and 1900 <= yy <= 2100:
            return True
        return 1900 <= int(d[:4]) <= 2100 and 1 <= int(d[4:6]) <= 12
    if len(d) == 6:
        return 1 <= int(d[:2]) <= 31 and 1 <= int(d[2:4]) <= 31
    if len(d) == 4:
        return 1900 <= int(d) <= 2100 or (1 <= int(d[:2]) <= 12 and 1 <= int(d[2:]) <= 31)
    if len(d) in (5, 7):
        return True
    return run.ordinal or (len(d) <= 2 and 1 <= int(d or "0") <= 31)


def _month_dates(
    ctx: _Ctx, runs: list[NumberRun], tails: dict[int, NumberRun]
) -> list[tuple[Finding | None, list[NumberRun]]]:
    """Dates written with a month name: "July 4th, 1980", "the fourth of July nineteen eighty".

    A date that is no disclosure comes with ``None``: its numbers are no card.
    A run that goes on past the date's year after a pause or a separator
    ("march third 1985 and 3941") ends the date there; what follows is put
    in ``tails`` (by the run's first token) to be read as a number of its own.
    """
    out: list[tuple[Finding | None, list[NumberRun]]] = []
    kinds, texts = ctx.toks.kinds, ctx.toks.texts
    n = len(texts)
    last_tok = -1
    by_first = {r.first_token: r for r in runs}
    by_last = {r.last_token: r for r in runs}
    for i in itertools.compress(range(n), map(_MONTH_WORDS.__contains__, texts)):
        if kinds[i] != WORD:
            continue
        if (
            texts[i] == "may"
            and (i + 1) not in by_first
            and (i - 1) not in by_last
            and not (i + 2 in by_first and texts[i + 1] in ("of", "'"))
        ):
            continue  # ("may of 28", "May '28": the month; "you may 2 ..." no)
        used = []
        start, end = ctx.toks.starts[i], ctx.toks.ends[i]
        j = i - 1
        while j >= 0 and texts[j] in ("of", "the", ","):
            j -= 1
        before = by_last.get(j)
        day_first = before is not None and len(before.digits) <= 2
        if day_first:
            used.append(before)
            start = before.start
        j = i + 1
        while j < n and (texts[j] in ("the", ",", "of", "'") or (day_first and texts[j] == "in")):
            j += 1  # ("the 14th of march in 1985")
        if (
            before is not None
            and not day_first
            and j not in by_first
            and len(before.groups) == 1
            and "2000" <= before.digits <= "2099"
        ):  # "twenty twenty nine march", "2028, december": the year first, then the month
            used.append(before)
            start = before.start
        while j in by_first and len(used) < 3:
            r = by_first[j]
            used.append(r)
            end = r.end
            j = r.last_token + 1
            while j < n and texts[j] in (",", "of", "in", "'"):
                j += 1  # ("march 14, '85": the year's apostrophe)
        if not used:
            continue
        first_tok = min(i, *(r.first_token for r in used))
        prev_last, last_tok = last_tok, max(i, *(r.last_token for r in used))
        label = _nearest_cue(ctx, first_tok, last_tok)
        if label is not None and label.startswith("neg:"):
            out.append((None, used))  # a date, and not a sensitive one
            continue
        # "March of twenty eight" is a month and a year; "the 4th of July" has a day
        has_day = day_first or (len(used) > 1 and any(len(r.digits) <= 2 for r in used))
        cats = (label,) if label else ctx.expected
        if not has_day and len(used) == 1 and _card_dates(cats):
            pair = _expiry_and_code(ctx, start, used[0], named=bool(cats))
            if pair is not None:  # "expires april thirty one three eight eight"
                out.append((pair[0], used))
                out.append((pair[1], []))
                continue
        last = used[-1]
        cut = _year_end(last, day_first) if last.first_token > i else None
        if cut is not None:
            head, tail = _sub_run(last, 0, cut), _sub_run(last, cut, len(last.chunks))
            head.last_token = _tok_at(ctx.starts, head.end) - 1
            tail.first_token = _tok_at(ctx.starts, tail.start)
            used[-1] = head
            end = head.end
            last_tok = head.last_token
            tails[last.first_token] = tail
        for cat in cats:
            if (
                cat == c.DATE_OF_BIRTH
                or (cat == c.CARD_EXPIRY and not has_day)
                or (cat == c.PASSWORD)
            ):
                out.append((Finding(cat, start, end), used))
                break
        else:
            if out and out[-1][0] is not None and _corrects(texts, prev_last, first_tok):
                # "october second nineteen ninety two no october twenty second"
                out.append((Finding(out[-1][0].category, start, end), used))
                continue
            of_year = i + 1 < n and texts[i + 1] == "of"
            month = MONTHS[texts[i]]
            if label is None and _born_on(
                texts, month, used, day_first, first_tok, of_year=of_year
            ):
                out.append((Finding(c.DATE_OF_BIRTH, start, end), used))
                continue  # "i'm picking up for myself, august 30 1977"
            # "sent out on June 23 2024": a date, not a card (unless it is a valid one)
            out.append((None, [r for r in used if _self_validating(r) != c.PAYMENT_CARD]))
    return out


def _year_end(run: NumberRun, day_first: bool) -> int | None:
    """The chunk after a date's year in ``run`` (said after the month), if more follows it.

    The run starts with the day (unless the day came before the month) and
    then the year: "1985", "nineteen eighty five", "eighty five". Only when
    a pause ("and", "um") or a separator comes after the year and three
    digits or more follow.
    """
    ch = run.chunks
    k = 0
    if not day_first and len(ch) > 1 and len(ch[0]) <= 2 and (len(ch[1]) == 4 or ch[1] in _CENTURY):
        k = 1
    if k >= len(ch):
        return None
    if len(ch[k]) == 4:
        k += 1
    elif ch[k] in _CENTURY and k + 1 < len(ch) and len(ch[k + 1]) == 2:
        k += 2
    elif len(ch[k]) == 2:
        k += 1
    else:
        return None
    if k >= len(ch) or (k not in run.breaks and k not in run.pauses):
        return None
    return k if len("".join(ch[k:])) >= 3 else None


_CENTURY = ("19", "20")


def _after_preposition(texts: list[str], first: int) -> bool:
    """Whether "in", "since", "from" ... (and maybe "the") stand right before token ``first``."""
    k = first - 1
    if k >= 0 and texts[k] == "the":
        k -= 1
    return k >= 0 and texts[k] in _YEAR_PREPOSITIONS


def _ordinal_months(ctx: _Ctx, runs: list[NumberRun]) -> list[tuple[Finding, list[NumberRun]]]:
    """ "The fourth month of twenty seven": a month by its number, and a year.

    An ordinal of at most twelve, "month of" and a year (two or four digits):
    a card's expiry or a date of birth, by the cue or the question; with
    neither, an expiry when the year is said in two digits, as a card
    prints it, and is one a card runs to ("... of twenty seven"; "the first
    month of 2024 was cold" is a time).
    """
    texts = ctx.toks.texts
    by_first = {r.first_token: r for r in runs}
    by_last = {r.last_token: r for r in runs}
    out = []
    for i in itertools.compress(range(len(texts)), map("month".__eq__, texts)):
        m, y = by_last.get(i - 1), by_first.get(i + 2)
        if m is None or y is None or texts[i + 1] != "of" or not m.ordinal:
            continue
        if len(m.digits) > 2 or not 1 <= int(m.digits) <= 12 or len(y.digits) not in (2, 4):
            continue
        label = _nearest_cue(ctx, m.first_token, y.last_token)
        cat = label or (ctx.expected[:1] or (None,))[0]
        if (
            cat is None
            and len(y.digits) == 2
            and _plausible_expiry(m.digits.zfill(2) + y.digits)
            and not _after_preposition(texts, m.first_token)
        ):  # with no cue, a year a card runs to is its expiry ("moved in the ..." is a time)
            cat = c.CARD_EXPIRY
        if cat in (c.CARD_EXPIRY, c.DATE_OF_BIRTH):
            out.append((Finding(cat, m.start, y.end), [m, y]))
    return out


def _corrects(texts: list[str], prev_last: int, first: int) -> bool:
    """Whether a correction word ("no", "sorry", "I mean") alone joins two dates.

    The tokens between the last one's end and the next one's start: at
    most four, with a correction among them and nothing else but fillers.
    """
    between = texts[prev_last + 1 : first]
    if not 0 < len(between) <= 4 or not _CORRECTION_GAP.issuperset(between):
        return False
    return not CORRECTIONS.isdisjoint(between) or "mean" in between


_CORRECTION_GAP = CORRECTIONS | _BUNDLE_GAP | frozenset({"i", "mean", "it's", "its", "on"})


_CARD_VALUES = frozenset({c.CARD_EXPIRY, c.CARD_SECURITY_CODE, c.PAYMENT_CARD})


def _card_dates(cats: tuple[str, ...]) -> bool:
    """Whether a month-name date under these cues or questions may be a card's (none: may)."""
    return not cats or cats[0] in _CARD_VALUES


def _expiry_and_code(
    ctx: _Ctx, start: int, run: NumberRun, *, named: bool
) -> tuple[Finding, Finding] | None:
    """A card's month and year, then its code in the same breath ("february 2030, four six two").

    After the month: a year (2020-2049: "2030", "twenty nine", "twenty twenty
    nine") and then three or four digits that are no year (so "june twenty
    three twenty twenty four" stays a day and a year). A tens word and a unit
    heard as one number give the year from the tens ("march thirty five five
    eight" is March 30 and 558) when the unit starts a code that way only.
    Without a cue or a question (``named``), only a code read digit by digit
    ("august twenty nine seven one two") counts.
    """
    chunks = run.chunks
    if run.quantity or run.decimal or run.colon or run.slash or len(chunks) < 2:
        return None
    c0 = chunks[0]
    if len(c0) == 4 and "2020" <= c0 <= "2049":
        k = 1
    elif c0 == "20" and len(chunks[1]) == 2 and "20" <= chunks[1] <= "49" and len(chunks) > 2:
        k = 2
    elif len(c0) == 2 and "20" <= c0 <= "49":
        k = 1
    else:
        return None
    spans = run.spans
    rest = "".join(chunks[k:])
    if not named and not all(len(ch) == 1 for ch in chunks[k:]):
        return None  # "june twenty eight, ten thirty": a time
    if _code_digits(rest):
        return (
            Finding(c.CARD_EXPIRY, start, spans[k - 1][1]),
            Finding(c.CARD_SECURITY_CODE, spans[k][0], run.end),
        )
    a, b = spans[0]
    words = ctx.text[a:b]
    cut = words.find(" ") if " " in words else words.find("-")
    if (
        k == 1
        and len(c0) == 2
        and c0[1] != "0"
        and cut > 0
        and "20" <= c0[0] + "0" <= "40"
        and _code_digits(c0[1] + rest)
    ):  # "thirty" "five": the unit starts the code
        tail = words[cut + 1 :]
        code_at = a + cut + 1 + len(tail) - len(tail.lstrip(" -"))
        return (
            Finding(c.CARD_EXPIRY, start, a + cut),
            Finding(c.CARD_SECURITY_CODE, code_at, run.end),
        )
    return None


def _code_digits(d: str) -> bool:
    return len(d) == 3 or (len(d) == 4 and d[:2] not in ("19", "20"))


def _born_on(
    texts: list[str],
    month: int,
    used: list[NumberRun],
    day_first: bool,
    first: int,
    *,
    of_year: bool = False,
) -> bool:
    """Whether a month-name date with no cue is a birth date: a day and a birth year.

    "august the first ninety three", "the 4th of july 1976", "april ninth
    nineteen seventy two"; not "on march 1st 2026" (a later year), not a
    date after an event word ("since", "dated").
    """
    chunks = [ch for r in used for ch in r.chunks]
    if len(chunks) < 2 or any(r.quantity or r.decimal or r.colon for r in used):
        return False
    if not day_first and (of_year or (chunks[0] in ("19", "20") and len(chunks[1]) == 2)):
        return False  # "december of twenty thirty two": a month and a year
    if any(texts[r.first_token - 1] == "in" for r in used[1:]):
        return False  # "the 4th of july in 1976": a year something happened in
    day = chunks[0]
    if len(day) > 2 or not _day_ok(month, int(day)) or not _spoken_year(chunks[1:]):
        return False
    if not day_first and len(used) == 1 and len(used[0].breaks) > 1:
        return False
    return not _after_event_word(texts, first)
