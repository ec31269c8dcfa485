"""Reading numbers the way speech-to-text writes them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.text_eval import spoken_forms
from guardrail.detect.numbers import number_runs, tokenize


def digits_of(text: str) -> list[str]:
    return [r.digits for r in number_runs(tokenize(text))]


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("four one one one", ["4111"]),
        ("forty one eleven", ["4111"]),
        ("4 one 1 1 eleven", ["411111"]),
        ("double two triple three", ["22333"]),
        ("oh seven eight", ["078"]),
        ("zero zero seven", ["007"]),
        ("nineteen eighty", ["1980"]),
        ("twenty twenty four", ["2024"]),
        ("two thousand and nine", ["2009"]),
        ("one hundred twenty three", ["123"]),
        ("forty one hundred", ["4100"]),
        ("twenty", ["20"]),
        ("four, one one, one", ["4111"]),
        ("four dash one one", ["411"]),
        ("um four uh one one one", ["4111"]),
        ("the twenty first", ["21"]),
        ("one hundred twenty first", ["121"]),
        ("oh, I see", []),
        ("Oh four", ["04"]),
        ("no numbers here", []),
        ("hunter2 and A600", []),
    ],
)
def test_spoken_numbers(spoken, digits):
    assert digits_of(spoken) == digits


def test_groups_and_breaks_follow_separators():
    [run] = number_runs(tokenize("078-05-1123"))
    assert run.groups == ["078", "05", "1123"]
    assert run.seps == ["-", "-"]
    [run] = number_runs(tokenize("4111 1111 1111 1111"))
    assert run.groups == ["4111", "1111", "1111", "1111"]


def test_corrections_offer_corrected_readings():
    [run] = number_runs(tokenize("four one one two, sorry, one"))
    assert run.readings[0] == "41121"
    assert "4111" in run.readings


def test_spans_cover_the_spoken_words():
    text = "my card is four one one one thanks"
    [run] = number_runs(tokenize(text))
    assert text[run.start : run.end] == "four one one one"


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=1, max_size=19).filter(lambda d: d.strip("0")))
def test_every_spoken_rendering_reads_back_the_digits(digits):
    # ("oh" with no other number around it is an interjection, not a zero)
    for form in spoken_forms(digits):
        assert "".join(digits_of(form)) == digits, form


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_tokenizer_and_runs_never_crash_and_stay_in_bounds(text):
    toks = tokenize(text)
    for t in toks:
        assert 0 <= t.start < t.end <= len(text)
    for r in number_runs(toks):
        assert 0 <= r.start < r.end <= len(text)
        assert r.digits.isdigit()


_TOKEN_PIECES = st.sampled_from(
    ["one", "four", "1111", "4th", "it's", "''", "'s", "o'", "a1", "1z9", ",", ".", "?", "-", "/",
     ":", "$", "_", "'", "\u2019", "é", "İ", "Two", "NINE", "x"]
)  # fmt: skip
_GAPS = st.sampled_from(["", " ", "  ", "\t", "\n", " \x1c", "\u00a0", "\u2003"])


@settings(max_examples=2000)
@given(st.lists(st.tuples(_GAPS, _TOKEN_PIECES), max_size=30), _GAPS)
def test_fast_tokenizer_matches_the_token_regex(parts, tail):
    """``tokenize``'s split-based path is an optimisation of the token regex, never a change."""
    from guardrail.detect.numbers import _regex_tokens

    text = "".join(g + p for g, p in parts) + tail
    fast = tokenize(text)
    assert fast == _regex_tokens(text)
    assert all(type(t.kind) is int for t in fast)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=120))
def test_fast_tokenizer_matches_the_token_regex_on_any_ascii(text):
    from guardrail.detect.numbers import _regex_tokens

    assert tokenize(text) == _regex_tokens(text)


def test_tokens_behave_as_a_sequence_of_token():
    from guardrail.detect.numbers import Token, Tokens

    toks = tokenize("Card: 4111, it's 4th")
    assert isinstance(toks, Tokens)
    assert len(toks) == 7
    assert toks[0] == Token(1, "card", 0, 4)
    assert toks[-2] == Token(0, "4", 17, 18)
    assert [t.text for t in toks] == ["card", ":", "4111", ",", "it's", "4", "th"]
    window = toks[2:4]
    assert isinstance(window, Tokens)
    assert window.texts == ["4111", ","]
    assert window.starts == [6, 10]
    assert Tokens.of(list(toks)) == toks == list(toks)
    assert toks != tokenize("card")
    assert "4111" in repr(toks)


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from("abz AZ09,.'-\u00e9\u2019\t"), max_size=80))
def test_prefilter_words_are_the_letter_runs(text):
    """The prefilter's C-level word split is exactly the regex it replaces."""
    import re

    from guardrail.detect.scan import _words

    low = text.lower()
    assert _words(low) == re.findall(r"[a-z]+", low)


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("six oh two eighty-one", ["60281"]),
        ("oh four twenty-nine", ["0429"]),
        ("five slash you know twenty six", ["526"]),
        ("four five five... hang on, four five five eight", ["4554558"]),
        ("4111_1111_1111_1111", ["4111111111111111"]),
    ],
)
def test_pauses_and_joined_words_stay_in_one_run(spoken, digits):
    assert digits_of(spoken) == digits


def test_hang_on_alone_does_not_join_numbers():
    assert digits_of("i paid 40 on 04/29") == ["40", "0429"]


def test_a_restart_without_a_marker_offers_the_restarted_reading():
    (run,) = number_runs(tokenize("five eight one, five eight one one seven two four four seven"))
    assert run.readings[0] == "581581172447"
    assert "581172447" in run.readings


def test_where_was_i_drops_the_group_said_again():
    (run,) = number_runs(tokenize("4111 1111 1111 where was i 1111 1111"))
    assert "4111111111111111" in run.readings


def test_a_group_said_again_after_i_mean_is_dropped_whole():
    (run,) = number_runs(tokenize("four one one two, i mean, four one one one"))
    assert "4111" in run.readings


def test_very_long_corrected_runs_keep_only_their_plain_reading():
    (run,) = number_runs(tokenize("one two sorry " * 100))
    assert run.readings == [run.digits]


def test_a_long_stretch_of_ohs_inside_a_card_is_all_digits():
    assert digits_of("four nine one seven, six one oh oh, oh oh oh oh, oh oh oh oh") == [
        "4917610000000000"
    ]


def test_oh_away_from_numbers_is_a_word():
    assert digits_of("oh, oh, oh I see") == []
