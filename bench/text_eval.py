"""``python -m bench.text_eval``: detector precision and recall, per category.

Measures, from a fresh clone (all material is in ``bench/data``):

- our generated items (``bench/data/generated``, see its README): ``dev``,
  which detector work may look at and tune on, and ``test``, held out (its
  phrasings are not in dev; do not tune on it);
- the hand-written held-out set (``bench/data/handwritten``, see its
  README): realistic call lines written by a separate author who read
  neither the detector nor the generator. It is never tuned on: it is
  scored like the generated items, and ``--misses`` refuses to print its
  items;
- the hand-written dev set (``bench/data/handwritten_dev``, see its
  README): more realistic call lines by another separate author, for
  detector work to tune on (``--split handwritten_dev --misses N`` prints
  its items). Findings (caller
  disclosures, agent read-backs) and requests (what an agent line asks
  for) are scored separately. An item with ``context`` is played through
  :class:`~guardrail.detect.CallScanner` (context turns first, the last
  line scored); an item without, through ``scan(text, role)``. Presidio's
  findings on the same lines are shown beside ours for the categories it
  has a recognizer for;
- Presidio's own recognizer test vectors and its research dataset, ours
  beside Presidio's pattern recognizers on the same text (when
  presidio-analyzer is installed: ``pip install -e '.[bench]'``);
- NVIDIA NeMo's spoken/written number pairs: how often our reading of the
  spoken form gives exactly the digits of the written form;
- Adyen's test cards and IBANs, written and read aloud: recall, ours and
  Presidio's.

Scoring: a gold span is found when a finding of the same category overlaps
it; a finding that overlaps no gold span of its category is a false
positive (so a finding of the wrong category over a gold span is a false
positive for its category and a miss for the right one). Requests are
compared as sets per item.

``--split dev --category pin --misses 20`` prints up to 20 missed and 20
false items of that category on dev, to see what fails (also on
``handwritten_dev``; never of the hand-written held-out set).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from guardrail.detect import CallScanner, scan
from guardrail.detect.categories import REQUEST_CATEGORIES
from guardrail.detect.numbers import number_runs, tokenize

from . import presidio_baseline
from .evalgen.renderings import digit_word, pair_words

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_EVAL = DATA / "outside"
DEFAULT_GENERATED = DATA / "generated"
DEFAULT_HANDWRITTEN = DATA / "handwritten" / "holdout.jsonl"
DEFAULT_HANDWRITTEN_DEV = DATA / "handwritten_dev" / "dev.jsonl"
DEFAULT_HANDWRITTEN2 = DATA / "handwritten2" / "holdout2.jsonl"
DEFAULT_HANDWRITTEN3 = DATA / "handwritten3" / "holdout3.jsonl"
MAP = presidio_baseline.ENTITY_TO_CATEGORY
SPLIT_NOTE = {
    "dev": "generated dev (tune on this)",
    "test": "generated test (held out: phrasings not in dev; do not tune on it)",
    "holdout": "hand-written held-out (never tuned on)",
    "holdout2": "second hand-written held-out (never tuned on)",
    "holdout3": "third hand-written held-out (never tuned on)",
    "handwritten_dev": "hand-written dev (tune on this)",
}
HOLDOUTS = {
    "holdout": ("handwritten", "handwritten_holdout"),
    "holdout2": ("handwritten2", "handwritten_holdout2"),
    "holdout3": ("handwritten3", "handwritten_holdout3"),
}
"""Each held-out split: the argument that names its file, and its key in ``--json``."""
HOLDOUT_REFUSED = (
    "--misses does not print items of the hand-written held-out set: it is never tuned on. "
    "Use --split dev (or test) with --misses."
)

Span = tuple[int, int]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Tally:
    """True positives, false positives and misses, with precision and recall."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, gold: list[Span], found: list[Span]) -> tuple[int, int, int]:
        """Score one text's spans of one category; returns this call's (tp, fp, fn)."""
        tp = sum(1 for g in gold if any(_overlaps(g, f) for f in found))
        fp = sum(1 for f in found if not any(_overlaps(g, f) for g in gold))
        self.tp += tp
        self.fp += fp
        self.fn += len(gold) - tp
        return tp, fp, len(gold) - tp

    def add_counts(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_dict(self) -> dict:
        p, r = self.precision, self.recall
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": None if p is None else round(p, 3),
            "recall": None if r is None else round(r, 3),
        }


# ---- generated items --------------------------------------------------------


def load_items(folder: Path, split: str) -> list[dict]:
    """The items of ``split`` (``dev`` or ``test``) from ``folder``."""
    path = folder / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_holdout(path: Path) -> list[dict]:
    """The hand-written held-out items (same schema as the generated ones, no style or kind)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _style(item: dict) -> str:
    """The item's STT style; for items without one, its role and whether it has context."""
    if "style" in item:
        return item["style"]
    return f"{item['role']}+context" if item.get("context") else item["role"]


def predict(item: dict) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Our detector's findings and requests for the item's last line.

    With context, the turns go through one :class:`CallScanner` first, as
    in a call (caller lines in a row are fragments of one turn); without,
    the line is scanned alone.
    """
    if item.get("context"):
        cs = CallScanner()
        for turn in item["context"]:
            if turn["role"] == "agent":
                cs.agent(turn["text"])
            else:
                cs.caller(turn["text"])
        res = cs.agent(item["text"]) if item["role"] == "agent" else cs.caller(item["text"])
    else:
        res = scan(item["text"], item["role"])
    return [(f.category, f.start, f.end) for f in res.findings], list(res.requests)


def score_item(
    item: dict,
    found: Iterable[tuple[str, int, int]],
    requested: Iterable[str],
    findings: dict[str, Tally],
    requests: dict[str, Tally],
) -> dict[str, tuple[set[str], set[str]]]:
    """Add one item's score to the tallies (by category).

    Returns ``{"findings": (missed, false), "requests": (missed, false)}``:
    the categories in which the item has a miss or a false positive.
    """
    found = list(found)
    gold_f: dict[str, list[Span]] = defaultdict(list)
    pred_f: dict[str, list[Span]] = defaultdict(list)
    for g in item["findings"]:
        gold_f[g["category"]].append((g["start"], g["end"]))
    for cat, s, e in found:
        pred_f[cat].append((s, e))
    f_miss, f_false = set(), set()
    for cat in set(gold_f) | set(pred_f):
        _, fp, fn = findings[cat].add(gold_f[cat], pred_f[cat])
        if fn:
            f_miss.add(cat)
        if fp:
            f_false.add(cat)
    gold_r, pred_r = set(item["requests"]), set(requested)
    for cat in gold_r | pred_r:
        requests[cat].add_counts(
            int(cat in gold_r and cat in pred_r), int(cat not in gold_r), int(cat not in pred_r)
        )
    return {"findings": (f_miss, f_false), "requests": (gold_r - pred_r, pred_r - gold_r)}


def _micro(tallies: dict[str, Tally]) -> dict:
    t = Tally()
    for x in tallies.values():
        t.add_counts(x.tp, x.fp, x.fn)
    return t.as_dict()


def eval_generated(
    items: list[dict],
    *,
    category: str | None = None,
    misses: int = 0,
    predictor: Callable[[dict], tuple[list[tuple[str, int, int]], list[str]]] = predict,
) -> tuple[dict, dict]:
    """Score ``items``; returns (report, examples).

    The report has per-category tallies for findings and requests, their
    micro average, and finding recall by STT style and by rendering. The
    examples are up to ``misses`` missed and false items (of ``category``,
    or of any category), with what was expected and what was found.
    """
    findings: dict[str, Tally] = defaultdict(Tally)
    requests: dict[str, Tally] = defaultdict(Tally)
    by_style: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    examples: dict[str, list[dict]] = {"missed": [], "false": []}
    for item in items:
        found, requested = predictor(item)
        local_f: dict[str, Tally] = defaultdict(Tally)
        local_r: dict[str, Tally] = defaultdict(Tally)
        flags = score_item(item, found, requested, local_f, local_r)
        for cat, t in local_f.items():
            findings[cat].add_counts(t.tp, t.fp, t.fn)
            if category in (None, cat):
                by_style[_style(item)].add_counts(t.tp, t.fp, t.fn)
                by_kind[item.get("kind", "-")].add_counts(t.tp, t.fp, t.fn)
        for cat, t in local_r.items():
            requests[cat].add_counts(t.tp, t.fp, t.fn)
            if category in (None, cat):
                by_kind[item.get("kind", "-")].add_counts(t.tp, t.fp, t.fn)
        if misses:
            _collect(examples, item, flags, found, requested, category, misses)
    report = {
        "items": len(items),
        "findings": {c: findings[c].as_dict() for c in sorted(findings)},
        "requests": {c: requests[c].as_dict() for c in sorted(requests)},
        "findings_all": _micro(findings),
        "requests_all": _micro(requests),
        "by_style": {k: by_style[k].as_dict() for k in sorted(by_style)},
        "by_kind": {k: by_kind[k].as_dict() for k in sorted(by_kind)},
    }
    return report, examples


def _collect(
    examples: dict[str, list[dict]],
    item: dict,
    flags: dict[str, tuple[set[str], set[str]]],
    found: list[tuple[str, int, int]],
    requested: list[str],
    category: str | None,
    limit: int,
) -> None:
    missed = flags["findings"][0] | flags["requests"][0]
    false = flags["findings"][1] | flags["requests"][1]
    for key, cats in (("missed", missed), ("false", false)):
        if cats and (category is None or category in cats) and len(examples[key]) < limit:
            text = item["text"]
            examples[key].append(
                {
                    "id": item["id"],
                    "kind": item.get("kind", "-"),
                    "style": _style(item),
                    "renderings": item.get("renderings", []),
                    "context": [f"{t['role']}: {t['text']}" for t in item.get("context", [])],
                    "text": f"{item['role']}: {text}",
                    "gold": [
                        f"{g['category']}={text[g['start'] : g['end']]!r}" for g in item["findings"]
                    ]
                    + [f"asks {c}" for c in item["requests"]],
                    "found": [f"{c}={text[s:e]!r}" for c, s, e in found]
                    + [f"asks {c}" for c in requested],
                }
            )


# ---- outside material -------------------------------------------------------


def _ours(text: str) -> list[tuple[str, int, int]]:
    return [(f.category, f.start, f.end) for f in scan(text, "caller").findings]


def _systems(use_presidio: bool) -> dict:
    systems: dict = {"guardrail": _ours}
    if use_presidio:
        systems["presidio"] = presidio_baseline.presidio_findings
    return systems


def eval_recognizer_cases(path: Path, systems: dict) -> dict:
    data = json.loads(path.read_text())
    out: dict = defaultdict(lambda: defaultdict(Tally))
    for case in data["cases"]:
        ent = case["entity"]
        if not isinstance(ent, str) or ent not in MAP or ent == "DATE_TIME":
            continue
        params = case.get("params") or {}
        if params.get("language", "en") not in ("en", None):
            continue
        cat = MAP[ent]
        gold = [tuple(s) for s in case["spans"]] if case["expected_count"] else []
        for name, fn in systems.items():
            found = [(s, e) for c, s, e in fn(case["text"]) if c == cat]
            out[cat][name].add(gold, found)
    return {cat: {n: t.as_dict() for n, t in v.items()} for cat, v in out.items()}


def eval_synth(path: Path, systems: dict) -> dict:
    data = json.loads(path.read_text())
    cats = {"CREDIT_CARD": "payment_card", "US_SSN": "ssn", "IBAN_CODE": "iban"}
    out: dict = defaultdict(lambda: defaultdict(Tally))
    for ex in data:
        text = ex["full_text"]
        results = {name: fn(text) for name, fn in systems.items()}
        for ent, cat in cats.items():
            gold = [
                (s["start_position"], s["end_position"])
                for s in ex["spans"]
                if s["entity_type"] == ent
            ]
            for name, res in results.items():
                out[cat][name].add(gold, [(s, e) for c, s, e in res if c == cat])
    return {cat: {n: t.as_dict() for n, t in v.items()} for cat, v in out.items()}


def _spoken_digits(spoken: str) -> str:
    return "".join(r.digits for r in number_runs(tokenize(spoken)))


def eval_nemo(path: Path) -> dict:
    data = json.loads(path.read_text())
    out = {}
    for direction in ("nemo_itn", "nemo_tn"):
        for cls, pairs in data[direction].items():
            if cls in ("word", "whitelist", "electronic"):
                continue
            total = exact = 0
            for p in pairs:
                want = re.sub(r"\D", "", p["written"])
                if not want:
                    continue
                total += 1
                exact += _spoken_digits(p["spoken"]) == want
            if total:
                out[f"{direction[5:]}:{cls}"] = {
                    "pairs": total,
                    "exact": exact,
                    "rate": round(exact / total, 3),
                }
    return out


_WORD = tuple(digit_word(str(d), oh=True) for d in range(10))


def _pair(p: str) -> str:
    return "oh oh" if p == "00" else pair_words(p)


def spoken_forms(digits: str) -> list[str]:
    """Ways a caller reads ``digits`` aloud, as speech-to-text writes them.

    Digit by digit in groups of four; as pairs ("forty one eleven"), where a
    lone last digit follows a comma, as people pause before it ("twenty,
    one" is 201; "twenty one" is 21); and digits mixed with words.
    """
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    per_digit = ", ".join(" ".join(_WORD[int(d)] for d in g) for g in groups)
    pair_groups = []
    for g in groups:
        words = " ".join(_pair(g[i : i + 2]) for i in range(0, len(g) - 1, 2))
        if len(g) % 2:
            words = f"{words}, {_WORD[int(g[-1])]}" if words else _WORD[int(g[-1])]
        pair_groups.append(words)
    mixed = " ".join(d if i % 3 == 0 else _WORD[int(d)] for i, d in enumerate(digits))
    return [per_digit, ", ".join(pair_groups), mixed]


def eval_adyen(folder: Path, systems: dict | None = None) -> dict:
    systems = systems or {"guardrail": _ours}
    cards = json.loads((folder / "adyen_test_cards.json").read_text())
    ibans = json.loads((folder / "adyen_test_ibans.json").read_text())
    res: dict = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for group in cards:
        for item in group["items"]:
            raw = item["cardnumber"]
            digits = re.sub(r"\D", "", raw)
            forms = {"written": raw, "compact": digits}
            for k, s in enumerate(spoken_forms(digits)):
                forms[f"spoken{k}"] = s
            for name, form in forms.items():
                for ctx in ("", "my card number is "):
                    text = ctx + form
                    for sysname, fn in systems.items():
                        found = [(s, e) for cat, s, e in fn(text) if cat == "payment_card"]
                        key = f"card:{name}:{'context' if ctx else 'bare'}"
                        if sysname != "guardrail":
                            key = f"{key}:{sysname}"
                        res[key][1] += 1
                        ok = any(s <= len(ctx) and e >= len(text) - 1 for s, e in found)
                        res[key][0] += ok
                        if not ok and sysname == "guardrail" and len(misses) < 20:
                            misses.append(f"{group['group']} {key}")
    for item in ibans:
        iban = item["iban"]
        grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        for name, form in (("compact", iban), ("grouped", grouped)):
            for sysname, fn in systems.items():
                found = [1 for cat, _, _ in fn(f"my IBAN is {form}") if cat == "iban"]
                key = f"iban:{name}" if sysname == "guardrail" else f"iban:{name}:{sysname}"
                res[key][1] += 1
                res[key][0] += bool(found)
    out: dict = {k: {"found": a, "of": b, "recall": round(a / b, 3)} for k, (a, b) in res.items()}
    out["misses"] = misses
    return out


# ---- output -----------------------------------------------------------------


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _table(w: Callable[[str], object], title: str, rows: dict, only: str | None) -> None:
    w(f"  {title:<20}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}\n")
    for cat, t in rows.items():
        if only is None or cat == only:
            w(
                f"  {cat:<20}{t['tp']:>6}{t['fp']:>6}{t['fn']:>6}"
                f"{_fmt(t['precision']):>8}{_fmt(t['recall']):>8}\n"
            )


def print_generated(w: Callable[[str], object], split: str, rep: dict, only: str | None) -> None:
    w(f"\n{SPLIT_NOTE.get(split, split)}: {rep['items']} items\n")
    _table(w, "findings", rep["findings"], only)
    if only is None:
        _table(w, "(all findings)", {"micro": rep["findings_all"]}, None)
    _table(w, "requests", rep["requests"], only)
    if only is None:
        _table(w, "(all requests)", {"micro": rep["requests_all"]}, None)
    label = f" ({only})" if only else ""
    w(f"  by style{label}: ")
    w(
        ", ".join(
            f"{k} P {_fmt(t['precision'])} R {_fmt(t['recall'])}"
            for k, t in rep["by_style"].items()
        )
        + "\n"
    )


def print_examples(w: Callable[[str], object], split: str, examples: dict) -> None:
    for key in ("missed", "false"):
        w(f"\n{key} on {split} ({len(examples[key])} shown)\n")
        for ex in examples[key]:
            w(f"- {ex['id']}  [{ex['kind']} / {ex['style']} / {' '.join(ex['renderings'])}]\n")
            for c in ex["context"]:
                w(f"    {c}\n")
            w(f"    {ex['text']}\n    gold:  {'; '.join(ex['gold']) or '-'}\n")
            w(f"    found: {'; '.join(ex['found']) or '-'}\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.text_eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the outside material folder")
    p.add_argument(
        "--generated", type=Path, default=DEFAULT_GENERATED, help="folder of dev/test.jsonl"
    )
    p.add_argument(
        "--handwritten",
        type=Path,
        default=DEFAULT_HANDWRITTEN,
        help="the hand-written held-out JSON Lines (scored, never printed item by item)",
    )
    p.add_argument(
        "--handwritten-dev",
        type=Path,
        default=DEFAULT_HANDWRITTEN_DEV,
        help="the hand-written dev JSON Lines (tuned on; --misses prints its items)",
    )
    p.add_argument(
        "--handwritten2",
        type=Path,
        default=DEFAULT_HANDWRITTEN2,
        help="the second hand-written held-out JSON Lines (scored, never printed item by item)",
    )
    p.add_argument(
        "--handwritten3",
        type=Path,
        default=DEFAULT_HANDWRITTEN3,
        help="the third hand-written held-out JSON Lines (scored, never printed item by item)",
    )
    p.add_argument(
        "--split",
        choices=("dev", "test", *HOLDOUTS, "handwritten_dev", "all"),
        default="all",
        help="all: dev, test, every hand-written held-out set and the hand-written dev set",
    )
    p.add_argument("--category", choices=REQUEST_CATEGORIES, help="report only this category")
    p.add_argument("--misses", type=int, default=0, metavar="N", help="print N missed and N false")
    p.add_argument(
        "--generated-only", action="store_true", help="skip the outside material (faster)"
    )
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--no-presidio", action="store_true", help="skip the Presidio baseline")
    args = p.parse_args(argv)
    if args.misses and args.split in HOLDOUTS:
        p.error(HOLDOUT_REFUSED)
    w = sys.stdout.write
    splits = ("dev", "test") if args.split == "all" else (args.split,)
    splits = tuple(s for s in splits if s not in HOLDOUTS and s != "handwritten_dev")
    use_presidio = not args.no_presidio and presidio_baseline.available()
    report: dict = {"generated": {}}
    if use_presidio:
        report["generated_presidio"] = {}
    for split in splits:
        items = load_items(args.generated, split)
        rep, examples = eval_generated(items, category=args.category, misses=args.misses)
        report["generated"][split] = rep
        print_generated(w, split, rep, args.category)
        if use_presidio:
            base = presidio_on_generated(items)
            report["generated_presidio"][split] = base
            print_beside(w, split, rep["findings"], base, args.category)
        if args.misses:
            print_examples(w, split, examples)
    for split in HOLDOUTS:
        # the first set is always scored with "all"; a later one once it is in the repo
        if args.split == split or (
            args.split == "all"
            and (split == "holdout" or getattr(args, HOLDOUTS[split][0]).exists())
        ):
            _holdout(args, report, w, use_presidio, split)
    if args.split in ("handwritten_dev", "all"):
        _handwritten_dev(args, report, w, use_presidio)
    if not args.generated_only:
        _outside(args, report, w)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


PRESIDIO_CATEGORIES = tuple(sorted(set(MAP.values())))


def _holdout(
    args: argparse.Namespace,
    report: dict,
    w: Callable[[str], object],
    use_presidio: bool,
    split: str = "holdout",
) -> None:
    """Score the hand-written held-out ``split`` (a key of ``HOLDOUTS``) into ``report``;
    never prints its items."""
    arg, key = HOLDOUTS[split]
    items = load_holdout(getattr(args, arg))
    rep, _ = eval_generated(items, category=args.category)
    report[key] = rep
    print_generated(w, split, rep, args.category)
    if use_presidio:
        base = presidio_on_generated(items)
        report[key + "_presidio"] = base
        print_beside(w, split, rep["findings"], base, args.category)
    if args.misses:
        w("  (its missed and false items are not printed: it is never tuned on)\n")


def _handwritten_dev(
    args: argparse.Namespace, report: dict, w: Callable[[str], object], use_presidio: bool
) -> None:
    """Score the hand-written dev set into ``report``; with ``--misses``, print its items."""
    items = load_holdout(args.handwritten_dev)
    rep, examples = eval_generated(items, category=args.category, misses=args.misses)
    report["handwritten_dev"] = rep
    print_generated(w, "handwritten_dev", rep, args.category)
    if use_presidio:
        base = presidio_on_generated(items)
        report["handwritten_dev_presidio"] = base
        print_beside(w, "handwritten_dev", rep["findings"], base, args.category)
    if args.misses:
        print_examples(w, "handwritten_dev", examples)


def presidio_on_generated(items: list[dict]) -> dict:
    """Presidio's findings on the same items, for the categories it has a recognizer for.

    Presidio sees each line alone (it has no conversation state) and asks
    nothing, so only findings are scored. Its DATE_TIME recognizer stands in
    for date of birth: it flags every date.
    """

    def presidio(item: dict) -> tuple[list[tuple[str, int, int]], list[str]]:
        return presidio_baseline.presidio_findings(item["text"]), []

    kept = [
        dict(item, findings=[f for f in item["findings"] if f["category"] in PRESIDIO_CATEGORIES])
        for item in items
    ]
    rep, _ = eval_generated(kept, predictor=presidio)
    return {c: t for c, t in rep["findings"].items() if c in PRESIDIO_CATEGORIES}


def print_beside(
    w: Callable[[str], object], split: str, ours: dict, base: dict, only: str | None
) -> None:
    w(f"  findings on {split}, ours beside Presidio's pattern recognizers (each line alone)\n")
    w(f"  {'category':<20}{'ours P':>8}{'ours R':>8}{'pres P':>8}{'pres R':>8}\n")
    for cat in PRESIDIO_CATEGORIES:
        if only not in (None, cat) or cat not in ours:
            continue
        o, b = ours[cat], base.get(cat, Tally().as_dict())
        w(
            f"  {cat:<20}{_fmt(o['precision']):>8}{_fmt(o['recall']):>8}"
            f"{_fmt(b['precision']):>8}{_fmt(b['recall']):>8}\n"
        )


def _outside(args: argparse.Namespace, report: dict, w: Callable[[str], object]) -> None:
    use_presidio = not args.no_presidio and presidio_baseline.available()
    systems = _systems(use_presidio)
    report["presidio_recognizer_cases"] = eval_recognizer_cases(
        args.eval / "presidio" / "recognizer_cases.json", systems
    )
    report["presidio_synth_dataset_v2"] = eval_synth(
        args.eval / "presidio" / "synth_dataset_v2.json", systems
    )
    report["nemo_spoken_numbers"] = eval_nemo(args.eval / "spoken" / "nemo_pairs.json")
    report["adyen"] = eval_adyen(args.eval / "cards", systems)
    for ds in ("presidio_recognizer_cases", "presidio_synth_dataset_v2"):
        w(f"\n{ds}\n  {'category':<16}{'system':<11}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>8}{'R':>8}\n")
        for cat, by in sorted(report[ds].items()):
            if args.category not in (None, cat):
                continue
            for name, t in by.items():
                w(
                    f"  {cat:<16}{name:<11}{t['tp']:>5}{t['fp']:>5}{t['fn']:>5}"
                    f"{_fmt(t['precision']):>8}{_fmt(t['recall']):>8}\n"
                )
    w("\nnemo spoken numbers (digits exact)\n")
    for cls, r in report["nemo_spoken_numbers"].items():
        w(f"  {cls:<20}{r['exact']:>5}/{r['pairs']:<5}{r['rate']:.3f}\n")
    w("\nadyen test cards and IBANs (recall)\n")
    for k, r in report["adyen"].items():
        if k != "misses":
            w(f"  {k:<32}{r['found']:>5}/{r['of']:<5}{r['recall']:.3f}\n")
    for m in report["adyen"]["misses"]:
        w(f"  miss: {m}\n")


if __name__ == "__main__":
    sys.exit(main())
