"""Build the evaluation items from phrasings x renderings x STT styles x context.

``generate(seed)`` returns ``{"dev": [...], "test": [...]}``. The split is by
template: inside each family the templates are ordered by a hash of their
text and every template goes wholly to one split, so the test split holds
phrasings that dev has not (context lines come from the same split's agent
templates). Each template draws from its own ``random.Random`` seeded with
the seed and the template's id, so adding a template does not change the
items of any other, and the output is the same on every run and machine.

Item shape (JSON Lines, one item a line)::

    {"id", "role", "text", "findings": [{"category", "start", "end"}],
     "requests": [...], "context": [{"role", "text"}...], "kind", "style",
     "cue", "template", "renderings"}

``findings`` spans are character offsets of the whole spoken value in
``text`` (inner separators, fillers and self-corrections included).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

from . import renderings as r
from .phrasings import FAMILIES, Family
from .stt import STYLES, Seg, apply_style, split_value
from .values import Date, Values, luhn_ok

__all__ = ["SEED", "generate", "split_of", "write"]

SEED = 20261202
SPLITS = ("dev", "test")
CATEGORY_SLOTS = (
    "payment_card",
    "card_security_code",
    "card_expiry",
    "ssn",
    "ssn4",
    "bank_account",
    "routing_number",
    "iban",
    "date_of_birth",
    "pin",
    "password",
)
STALLS = (
    "hold on, let me find it",
    "uh one second",
    "sorry, my kid was yelling, what did you need?",
    "it's in my other bag, give me a sec",
    "okay I'm getting it now",
)


def split_of(family: Family) -> dict[int, str]:
    """Template index -> split: in hash order, two of every five templates go to test."""
    order = sorted(
        range(len(family.templates)),
        key=lambda i: hashlib.sha256(f"{family.name}|{family.templates[i]}".encode()).hexdigest(),
    )
    return {i: ("test" if rank % 5 in (1, 3) else "dev") for rank, i in enumerate(order)}


def _pick(rng: random.Random, options: tuple) -> tuple[str, Callable[..., str]]:
    return rng.choice(options)


def _perturb_digits(d: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(d)) if len(d) > 1 else 0
    return d[:i] + str((int(d[i]) + rng.randint(1, 9)) % 10) + d[i + 1 :]


def _digit_value(
    d: str, rng: random.Random, options: tuple, sizes: tuple[int, ...] | None
) -> tuple[str, str, Callable[[], str]]:
    name, fn = _pick(rng, options)
    text = fn(d, rng, sizes)
    return name, text, lambda: fn(_perturb_digits(d, rng), rng, sizes)


def render_value(slot: str, rng: random.Random, vals: Values, bundle: bool) -> tuple[Seg, str]:
    """One gold value for ``slot``: its segment and the rendering's name.

    The segment's ``value`` (the canonical form) is kept on the finding for
    the tests; the files carry only the category and span.
    """
    cat = "ssn" if slot == "ssn4" else slot
    keep_case = False
    if slot == "payment_card":
        pan = vals.pan(common=rng.random() < 0.7)
        opts = r.LONG_DIGITS if not bundle else r.DIGITS
        name, text, wrong = _digit_value(pan, rng, opts, r.card_groups(pan))
        value = pan
    elif slot == "card_security_code":
        value = vals.csc()
        name, text, wrong = _digit_value(value, rng, r.SHORT_DIGITS, None)
    elif slot in ("pin", "ssn4"):
        value = vals.pin() if slot == "pin" else vals.ssn()[-4:]
        name, text, wrong = _digit_value(value, rng, r.SHORT_DIGITS, None)
    elif slot == "ssn":
        value = vals.ssn()
        name, text, wrong = _digit_value(value, rng, r.DIGITS, (3, 2, 4))
    elif slot == "routing_number":
        value = vals.routing()
        name, text, wrong = _digit_value(value, rng, r.DIGITS, (3, 3, 3))
    elif slot == "bank_account":
        value = vals.account()
        name, text, wrong = _digit_value(value, rng, r.DIGITS, (4, 4, 4))
    elif slot == "card_expiry":
        m, y = vals.expiry()
        opts = r.EXPIRIES if not bundle else r.EXPIRIES[:5]
        name, fn = _pick(rng, opts)
        text = fn((m, y), rng)
        value = f"{m:02d}/{y}"

        def wrong() -> str:
            return fn((m % 12 + 1, y), rng)

    elif slot == "iban":
        value = vals.iban()
        name, fn = _pick(rng, r.IBANS)
        text = fn(value, rng)
        wrong = None  # type: ignore[assignment]
    elif slot == "date_of_birth":
        x = vals.dob()
        name, fn = _pick(rng, r.DATES)
        text = fn(x, rng)
        value = f"{x.year:04d}-{x.month:02d}-{x.day:02d}"

        def wrong() -> str:
            return fn(Date(x.year, x.month, x.day % 28 + 1), rng)

    elif slot == "password":
        value = vals.password()
        name, fn = _pick(rng, r.PASSWORDS)
        text = fn(value, rng)
        wrong = None  # type: ignore[assignment]
        keep_case = True
    else:
        raise ValueError("unknown value slot; see CATEGORY_SLOTS")
    return Seg(text, category=cat, wrong=wrong, keep_case=keep_case, value=value), f"{slot}:{name}"


def _no_card(digits: str) -> bool:
    return not (13 <= len(digits) <= 19 and luhn_ok(digits))


def _rand_digits(rng: random.Random, n: int) -> str:
    while True:
        d = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))
        if _no_card(d):
            return d


def decoy(slot: str, rng: random.Random) -> str:
    """A look-alike that is not sensitive: phone numbers, IDs, money, times."""
    ri = rng.randint
    if slot == "phone":
        a, b, c = ri(201, 989), ri(200, 999), f"{ri(0, 9999):04d}"
        return rng.choice(
            (
                f"{a}-{b}-{c}",
                f"({a}) {b}-{c}",
                f"{a} {b} {c}",
                f"{a}{b}{c}",
                ", ".join(" ".join(r.digit_word(x, True) for x in g) for g in (str(a), str(b), c)),
                f"1 {a} {b} {c}",
            )
        )
    if slot == "order":
        return rng.choice(
            (_rand_digits(rng, ri(7, 12)), f"A{_rand_digits(rng, 7)}", f"#{_rand_digits(rng, 6)}")
        )
    if slot == "tracking":
        return rng.choice(
            (
                f"1Z{ri(100, 999)}AA1{_rand_digits(rng, 10)}",
                " ".join(_rand_digits(rng, 4) for _ in range(5)) + f" {ri(10, 99)}",
            )
        )
    if slot == "claim":
        return rng.choice(
            (
                f"CLM-{ri(2019, 2026)}-{_rand_digits(rng, 5)}",
                _rand_digits(rng, 10),
                f"{ri(10, 99)}-{_rand_digits(rng, 6)}",
            )
        )
    if slot == "order16":
        return _rand_digits(rng, 16)
    if slot == "member":
        return rng.choice(
            (f"MBR{_rand_digits(rng, 6)}", _rand_digits(rng, 9), f"W{_rand_digits(rng, 8)}")
        )
    if slot in ("money", "money2"):
        dollars = ri(5, 4999)
        return rng.choice(
            (
                f"${dollars:,}.{ri(0, 99):02d}",
                f"${dollars}",
                f"{r.cardinal_words(dollars)} dollars",
                f"{r.cardinal_words(dollars % 100 or 42)} dollars and "
                f"{r.cardinal_words(ri(1, 99))} cents",
                f"{dollars:,} dollars",
            )
        )
    if slot in ("time", "time2"):
        h, m = ri(1, 12), rng.choice((0, 15, 30, 45, 5, 20))
        return rng.choice(
            (
                f"{h}:{m:02d}",
                f"{h}:{m:02d} pm",
                f"{r.cardinal_words(h)} {r.pair_words(f'{m:02d}') if m else 'o clock'}",
                f"{h} am",
                f"quarter past {r.cardinal_words(h)}",
            )
        )
    if slot == "year":
        y = ri(1995, 2025)
        return rng.choice((str(y), r._year_words(y)))
    if slot == "date":
        x = Date(ri(2019, 2026), ri(1, 12), ri(1, 28))
        return rng.choice(
            (
                f"{x.month}/{x.day}",
                f"{x.month}/{x.day}/{x.year}",
                f"{r.MONTHS[x.month - 1]} {x.day}{r._suffix(x.day)}",
                f"the {r.ORDINALS[x.day]} of {r.MONTHS[x.month - 1].lower()}",
                f"{r.MONTHS[x.month - 1]} {x.day}, {x.year}",
            )
        )
    if slot == "zip":
        z = f"{ri(10000, 99999)}"
        return rng.choice((z, " ".join(r.digit_word(x, True) for x in z), f"{z}-{ri(1000, 9999)}"))
    if slot == "last4":
        d = f"{ri(1000, 9999)}"
        return rng.choice((d, " ".join(r.digit_word(x, True) for x in d)))
    if slot == "last4_words":
        return f"{r.pair_words(str(ri(20, 99)))} {r.pair_words(str(ri(10, 99)))}"
    if slot == "dose":
        return rng.choice(
            (
                f"{rng.choice((10, 20, 40, 80))} milligrams",
                f"{rng.choice((5, 10, 25))} mg",
                "twenty milligrams",
            )
        )
    if slot == "decimal":
        return f"{ri(4, 9)}.{ri(0, 9)}"
    if slot == "bp":
        return rng.choice((f"{ri(100, 160)} over {ri(60, 99)}", f"{ri(100, 160)}/{ri(60, 99)}"))
    if slot == "small":
        n = ri(2, 9)
        return rng.choice((str(n), r.ONES[n]))
    if slot == "age":
        return str(ri(19, 88))
    if slot == "weeks":
        return str(ri(6, 38))
    if slot == "street":
        return str(ri(10, 9999))
    if slot == "flight":
        return f"{rng.choice(('UA', 'DL', 'AA'))} {ri(100, 2999)}"
    if slot == "model":
        return f"{rng.choice(('XR', 'KT', 'M'))}-{ri(100, 9999)}"
    if slot == "version":
        return f"{ri(1, 12)}.{ri(0, 9)}.{ri(0, 9)}"
    if slot in ("room", "ext"):
        return str(ri(100, 9999))
    raise ValueError("unknown decoy slot in a phrasing template")


def _segments(
    template: str, rng: random.Random, vals: Values, bundle: bool
) -> tuple[list[Seg], list[str]]:
    segs: list[Seg] = []
    names: list[str] = []
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        slot, _, rest = tail.partition("}")
        if head:
            segs.append(Seg(head))
        if slot in CATEGORY_SLOTS:
            seg, name = render_value(slot, rng, vals, bundle)
            segs.append(seg)
            names.append(name)
        else:
            segs.append(Seg(decoy(slot, rng), decoy=True))
    if rest:
        segs.append(Seg(rest))
    return segs, names


def _style(rng: random.Random) -> str:
    x = rng.random() * sum(w for _, w in STYLES)
    for name, w in STYLES:
        x -= w
        if x < 0:
            return name
    return STYLES[-1][0]


def _assemble(segs: list[Seg]) -> tuple[str, list[dict]]:
    text, findings, pos = [], [], 0
    for s in segs:
        if s.category is not None:
            findings.append(
                {
                    "category": s.category,
                    "start": pos,
                    "end": pos + len(s.text),
                    "value": s.value,
                }
            )
        text.append(s.text)
        pos += len(s.text)
    joined = "".join(text)
    lead = len(joined) - len(joined.lstrip())
    joined = joined.strip()
    for f in findings:
        f["start"] -= lead
        f["end"] -= lead
    return joined, findings


AGENT_PREFIXES = (
    "",
    "",
    "Okay. ",
    "Thanks. ",
    "Perfect. ",
    "Great, thank you. ",
    "Alright, Mr. Patel. ",
    "Sure. ",
    "Got it. ",
    "I can help with that. ",
    "Thanks for holding. ",
    "Okay, Maria, ",
    "Thank you, ",
)
AGENT_SUFFIXES = (
    "",
    "",
    " Take your time.",
    " Whenever you're ready.",
    " Thank you.",
    " Thanks!",
    " No rush.",
)


def _agent_frame(segs: list[Seg], rng: random.Random) -> None:
    """Agent lines vary as an LLM's do: a short lead-in and sign-off around the template."""
    head, tail = rng.choice(AGENT_PREFIXES), rng.choice(AGENT_SUFFIXES)
    first = segs[0]
    if head.endswith(", ") and first.category is None and not first.text.startswith(("I ", "I'")):
        first.text = first.text[:1].lower() + first.text[1:]
    segs.insert(0, Seg(head))
    segs.append(Seg(tail))


def _ask_pools() -> dict[str, dict[str, list[str]]]:
    """Per split, per category: the agent lines that ask for that one category."""
    pools: dict[str, dict[str, list[str]]] = {s: {} for s in SPLITS}
    for fam in FAMILIES:
        if fam.role != "agent" or len(fam.requests) != 1 or fam.requests[0] == "health":
            continue
        for i, split in split_of(fam).items():
            if "{" not in fam.templates[i]:
                pools[split].setdefault(fam.requests[0], []).append(fam.templates[i])
    return pools


def _reask_pool() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {s: [] for s in SPLITS}
    for fam in FAMILIES:
        if fam.context == "failed":
            for i, split in split_of(fam).items():
                out[split].append(fam.templates[i])
    return out


def _ask(
    asks: dict[str, dict[str, list[str]]],
    all_asks: dict[str, list[str]],
    split: str,
    ctx: str,
    rng: random.Random,
) -> str:
    cat = ctx.partition(":")[2]
    return rng.choice(asks[split].get(cat) or all_asks[cat])


# words that bind to the next one: no fragment break after them
_BOUND = frozenset(
    (
        *("double", "triple", "capital", "lowercase", "the", "number"),
        *("as", "in", "for", "then"),
        *r.TENS[2:],
    )
)
SPLIT_STYLES = ("clean", "nopunct", "lower", "fillers")


def _split_fragments(segs: list[Seg], rng: random.Random) -> str:
    """Cut the line inside its value: returns the first fragment, leaves the second in ``segs``.

    The cut falls at a pause in the value, or for digits written without one,
    in the middle, as a streaming transcript can break anywhere.
    """
    i = next(k for k, s in enumerate(segs) if s.category is not None)
    value = segs[i]
    cut = split_value(value.text, rng)
    if cut is None:
        spaces = [
            k
            for k, ch in enumerate(value.text)
            if ch in " -." and value.text[:k].rsplit(" ", 1)[-1].lower() not in _BOUND
        ]
        mid = len(value.text) // 2
        if spaces:
            at = min(spaces, key=lambda k: (abs(k - mid), k))
            cut = (value.text[:at], value.text[at + 1 :])
        else:
            cut = (value.text[:mid], value.text[mid:])
    first = "".join(s.text for s in segs[:i]) + cut[0]
    value.text = cut[1]
    del segs[:i]
    return first.strip()


def generate(seed: int = SEED, *, with_values: bool = False) -> dict[str, list[dict]]:
    """Every item, by split; ``with_values`` keeps each finding's canonical value (for tests)."""
    asks = _ask_pools()
    reasks = _reask_pool()
    all_asks = {c: asks["dev"].get(c, []) + asks["test"].get(c, []) for c in asks["dev"]}
    out: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for fam in FAMILIES:
        splits = split_of(fam)
        for ti, template in enumerate(fam.templates):
            split = splits[ti]
            tid = f"{fam.name}#{ti:02d}"
            rng = random.Random(f"{seed}:{tid}")
            vals = Values(rng)
            seen: set[tuple[str, ...]] = set()
            k = tries = 0
            while k < fam.per_template and tries < fam.per_template * 4:
                tries += 1
                item = _item(fam, template, tid, k, split, rng, vals, asks, reasks, all_asks)
                key = (*(t["text"] for t in item["context"]), item["text"])
                if key in seen:
                    continue
                seen.add(key)
                k += 1
                if not with_values:
                    for f in item["findings"]:
                        del f["value"]
                out[split].append(item)
    return out


def _item(
    fam: Family,
    template: str,
    tid: str,
    k: int,
    split: str,
    rng: random.Random,
    vals: Values,
    asks: dict[str, dict[str, list[str]]],
    reasks: dict[str, list[str]],
    all_asks: dict[str, list[str]],
) -> dict:
    bundle = fam.name == "card.bundle_no_cue"
    segs, names = _segments(template, rng, vals, bundle)
    style = "clean"
    ctx = fam.context
    if fam.role == "caller":
        wanted = _style(rng)
        if ctx.startswith("split:") and wanted not in SPLIT_STYLES:
            wanted = rng.choice(SPLIT_STYLES)
        style = apply_style(wanted, segs, rng)
    else:
        _agent_frame(segs, rng)
    context: list[dict] = []
    if ctx.startswith("split:"):
        # the caller's turn reaches the guardrail in two transcript fragments
        first = _split_fragments(segs, rng)
        context.append({"role": "agent", "text": _ask(asks, all_asks, split, ctx, rng)})
        context.append({"role": "caller", "text": first})
    text, findings = _assemble(segs)
    requests = list(fam.requests)
    if ctx.startswith(("request:", "reask:")):
        context.append({"role": "agent", "text": _ask(asks, all_asks, split, ctx, rng)})
        if ctx.startswith("reask:"):
            context.append({"role": "caller", "text": rng.choice(STALLS)})
            context.append({"role": "agent", "text": rng.choice(reasks[split])})
    elif ctx == "failed":
        cat = rng.choice(sorted(asks[split]))
        context.append({"role": "agent", "text": rng.choice(asks[split][cat])})
        context.append({"role": "caller", "text": rng.choice(STALLS)})
        requests = [cat]
    return {
        "id": f"{tid}.{k:02d}",
        "role": fam.role,
        "text": text,
        "findings": findings,
        "requests": requests,
        "context": context,
        "kind": fam.name,
        "style": style,
        "cue": fam.cue,
        "template": tid,
        "renderings": names,
    }


def write(folder: Path, seed: int = SEED) -> dict[str, int]:
    """Write ``dev.jsonl`` and ``test.jsonl`` into ``folder``; returns item counts."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, items in generate(seed).items():
        lines = [json.dumps(it, ensure_ascii=False) for it in items]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts[split] = len(items)
    return counts
