"""The per-call session: scripted flows and properties over random event sequences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio import mulaw, synth
from guardrail.events import (
    AgentText,
    Alert,
    Audit,
    AuditHealth,
    CallEnded,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    CaptureComplete,
    CaptureDigit,
    CaptureResult,
    ControlResult,
    DisposeRecording,
    ForwardAudio,
    ForwardDtmf,
    ForwardText,
    Handoff,
    HandoffResult,
    MaskAudio,
    MuteBotInput,
    Notice,
    PauseRecording,
    Redact,
    ResumeRecording,
    Say,
    SuppressAgentAudio,
    UnmuteBotInput,
    Word,
)
from guardrail.session import Session

CARD = "4111111111111111"
SSN = "386-48-9361"  # made up (examples/make_card_call.py's seeded generator)
SPOKEN = "four one one one, one one one one, one one one one, one one one one"


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def confirm(session, actions, t):
    out = []
    for a in actions:
        if isinstance(a, PauseRecording | ResumeRecording):
            out += session.feed(ControlResult(a.action_id, True, t))
    return out


def test_agent_card_request_goes_to_keypad_capture_and_back():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1", 0.0))
    acts = s.feed(AgentText("Sure. What's the card number?", True, 1000.0))
    assert not of(acts, ForwardText)  # the request never reaches text-to-speech
    assert of(acts, MuteBotInput)
    assert of(acts, PauseRecording)
    # the prompt and the capture wait for the recording pause
    assert not of(acts, Say)
    assert s.state == "protecting"
    acts = confirm(s, acts, 1100.0)
    assert of(acts, Say)
    [h] = of(acts, Handoff)
    assert (h.route, h.kind, h.category) == ("secure_card", "keypad", "payment_card")
    assert s.state == "secure_capture"
    # keypad digits go to the secure sink only
    caps = []
    for i, d in enumerate(CARD):
        a = s.feed(CallerDtmf(d, 2000.0 + 100 * i))
        assert not of(a, ForwardDtmf)
        caps += of(a, CaptureDigit)
    assert "".join(c.digit for c in caps) == CARD[: len(caps)]
    a = s.feed(CallerDtmf("#", 4000.0))
    [done] = of(a, CaptureComplete)
    assert (done.digits, done.category) == (CARD, "payment_card")
    assert CARD not in repr(done)
    assert s.state == "secure_capture"  # until the sink answers
    a = s.feed(CaptureResult(done.action_id, True, 4100.0, "card ending 1111 accepted"))
    assert s.state == "normal"
    assert [n.text for n in of(a, Notice)] == ["card ending 1111 accepted"]
    assert of(a, ResumeRecording)
    assert of(a, UnmuteBotInput)


def test_an_invalid_card_is_reentered_then_given_up():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    confirm(s, s.feed(AgentText("What's the card number?", True, 0.0)), 10.0)
    for attempt in range(3):
        for d in "4111111111111112":
            s.feed(CallerDtmf(d, 100.0 + attempt))
        a = s.feed(CallerDtmf("#", 200.0 + attempt))
        assert not of(a, CaptureComplete)
        if attempt < 2:
            assert of(a, Say)  # asked to enter it again
            assert s.state == "secure_capture"
    assert s.state == "normal"
    assert "could not enter a valid card" in of(a, Notice)[0].text


def test_a_silent_sink_fails_closed():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    confirm(s, s.feed(AgentText("What's the card number?", True, 0.0)), 10.0)
    assert s.state == "secure_capture"
    for i, d in enumerate(CARD + "#"):
        s.feed(CallerDtmf(d, 100.0 + 200 * i))
    out = s.on_timer(100.0 + 200 * 16 + 5000.0)
    assert of(out, Alert)
    assert [a.text for a in of(out, Say)] == [s.config.say_failed]
    assert of(out, UnmuteBotInput)
    assert s.state == "normal"


def test_caller_audio_during_capture_never_reaches_the_bot():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    confirm(s, s.feed(AgentText("Please provide your credit card number.", True, 0.0)), 0.0)
    x, _ = synth.keyed_sequence("41", tone_ms=80)
    payloads = [mulaw.encode_bytes(x[i : i + 160]) for i in range(0, len(x) - 159, 160)]
    fwd = []
    for i, p in enumerate(payloads):
        fwd += of(s.feed(CallerAudio(p, 20.0 * i)), ForwardAudio)
    assert fwd
    assert all(f.masked and set(f.payload) == {0xFF} for f in fwd)


def test_masked_audio_keeps_the_payload_length():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(AgentText("What's the card number?", True, 0.0))
    [fwd] = of(s.feed(CallerAudio(bytes(480), 20.0)), ForwardAudio)
    assert fwd.masked
    assert fwd.payload == bytes([0xFF]) * 480


def test_disclosure_is_redacted_masked_and_marked_exposed_not_paused_after_the_fact():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(CallerTranscript(f"my social is {SSN}", True, 5000.0))
    [fwd] = of(acts, ForwardText)
    assert fwd.text == "my social is [ssn]"
    assert [r.category for r in of(acts, Redact)] == ["ssn"]
    assert of(acts, MaskAudio)[0].target == "recording"
    # the recording heard it already and nothing more is coming: a pause (and a
    # resume at the next agent turn) would protect nothing; remedied after the call
    assert not of(acts, PauseRecording)
    assert [(a.event, a.outcome, a.category) for a in of(acts, Audit)][-1] == (
        "recording_exposed",
        "pause_too_late_quarantine",
        "ssn",
    )
    assert not of(s.feed(AgentText("Thanks. Anything else?", True, 6000.0)), ResumeRecording)
    # by default an SSN the caller volunteers is redacted; asked for, it goes to a human
    assert not of(acts, Handoff)
    assert "ssn" in of(acts, Notice)[0].text.replace(" ", "")  # names the category only
    [dispose] = of(s.feed(CallEnded(9000.0)), DisposeRecording)
    assert dispose.mode == "quarantine"
    assert [cat for _, _, cat in dispose.spans] == ["ssn"]


def test_a_disclosure_that_starts_a_protected_flow_still_pauses():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(CallerTranscript(f"my card is {CARD}", True, 5000.0))
    # what the caller keys next is protected by the pause
    assert of(acts, PauseRecording)
    assert of(acts, MuteBotInput)
    assert s.state == "protecting"
    assert [cat for _, _, cat in s.exposed] == ["payment_card"]  # the spoken card: remedied too


def test_a_disclosure_while_the_recording_is_paused_is_not_exposed():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("What's your date of birth?", True, 0.0))
    confirm(s, acts, 10.0)  # asked for: paused before the answer
    acts = s.feed(CallerTranscript("it's the fourth of July 1976", True, 3000.0))
    assert of(acts, Redact)
    assert not of(acts, PauseRecording)
    assert not [a for a in of(acts, Audit) if a.event == "recording_exposed"]
    assert s.exposed == []


def test_block_replaces_the_request():
    from guardrail.policy import Policy

    s = Session(Policy.from_toml('[policy.pin]\non_request = "block"\n'))
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("Please say your PIN.", True, 0.0))
    assert not of(acts, ForwardText)  # the request never reaches text-to-speech
    assert of(acts, SuppressAgentAudio)  # nor, from a bot that speaks anyway, the caller
    assert [a.text for a in of(acts, Say)] == [s.policy.rule("pin").block_message]


def test_unconfirmed_pause_fails_closed():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    assert of(s.feed(AgentText("What's your date of birth?", True, 1000.0)), PauseRecording)
    assert s.next_deadline() == 3000.0
    assert s.on_timer(2999.0) == []
    out = s.on_timer(3000.0)
    assert of(out, Alert)
    assert any(isinstance(a, MaskAudio) and a.end_ms is None for a in out)
    assert any(isinstance(a, Audit) and a.outcome == "timeout" for a in out)


def test_handoff_returned_resumes():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("What's your social security number?", True, 0.0))
    assert not of(acts, Handoff)  # the redirect waits for the recording pause
    [h] = of(confirm(s, acts, 10.0), Handoff)
    assert h.say == s.config.say_human  # spoken by Twilio before the redirect's <Dial>
    s.feed(HandoffResult(h.action_id, "connected", 500.0))
    assert s.state == "handed_off"
    out = s.feed(HandoffResult(h.action_id, "returned", 60_000.0, "identity verified"))
    assert s.state == "normal"
    assert of(out, ResumeRecording)
    assert of(out, UnmuteBotInput)
    assert [(n.text, n.respond) for n in of(out, Notice)] == [("identity verified", True)]


def test_agent_chunks_are_held_to_the_sentence():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    assert of(s.feed(AgentText("What's your ca", False, 0.0)), ForwardText) == []
    acts = s.feed(AgentText("rd number? ", False, 10.0))
    assert of(acts, PauseRecording)
    assert s.state == "protecting"


def test_a_menu_choice_is_forwarded_when_the_run_ends():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    assert of(s.feed(CallerDtmf("5", 0.0)), ForwardDtmf) == []  # held: a run may follow
    assert s.next_deadline() == s.policy.keyed_digits_gap_ms
    assert [f.digit for f in of(s.on_timer(s.policy.keyed_digits_gap_ms), ForwardDtmf)] == ["5"]
    s.feed(CallerDtmf("1", 5000.0))
    assert [f.digit for f in of(s.feed(CallerDtmf("#", 5100.0)), ForwardDtmf)] == ["1", "#"]


@pytest.mark.parametrize("offset_ms", [0.0, 2.5, 5.0, 10.0, 15.0])
@pytest.mark.parametrize("digit", ["1", "5", "9", "#", "D"])
def test_a_tone_keyed_with_the_bot_reaches_it_as_silence_from_its_first_full_block(
    offset_ms, digit
):
    """The detector confirms a key only after 30 ms of its tone; the frames before
    are silenced too (the detector's ``tone_suspect``), so at most the tone's part
    in a block it does not fill reaches the bot: never enough to find a key in."""
    import numpy as np

    from audio.dtmf import DtmfDetector, KeyUp

    lead = synth.silence(200 + offset_ms)
    x = np.concatenate([lead, synth.dtmf_tone(digit, 60.0), synth.silence(200)])
    x = np.clip(x, -32768, 32767).astype(np.int16)
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    heard = []
    for i in range(0, len(x) - 159, 160):
        out = of(s.feed(CallerAudio(mulaw.encode_bytes(x[i : i + 160]), i / 8)), ForwardAudio)
        assert len(out) == 1
        heard.append(mulaw.decode(out[0].payload))
    heard_pcm = np.concatenate(heard)
    start = len(lead)
    tone_part = np.abs(heard_pcm[start : start + 480].astype(np.int32)) > 200
    assert tone_part.sum() <= 80  # at most one block's worth of the tone
    det = DtmfDetector(20)
    found = [
        e
        for i in range(0, len(heard_pcm) - 159, 160)
        for e in det.process(heard_pcm[i : i + 160], i / 8)
    ]
    assert not [e for e in found if type(e) is KeyUp]


def test_speech_is_rarely_silenced_for_fear_of_a_tone():
    """What ``tone_suspect`` costs speech: the frames silenced on the way to the bot,
    over the talk-off corpus's 112 s of real prompts (0.2 % when written)."""
    from pathlib import Path

    from audio.wav import read_wav

    x, _ = read_wav(Path(__file__).parent / "data" / "speech_talkoff.wav")
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    frames = masked = 0
    for i in range(0, len(x) - 159, 160):
        out = of(s.feed(CallerAudio(mulaw.encode_bytes(x[i : i + 160]), i / 8)), ForwardAudio)
        frames += 1
        masked += out[0].masked
    assert frames > 5000
    assert masked / frames < 0.01


def test_keyed_digits_are_protected_even_when_no_request_was_detected():
    """The agent asked in words the detector missed; the caller keys the card anyway."""
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    # (words the request detector does not take as a request for anything)
    s.feed(AgentText("Okay, go ahead whenever you are ready.", True, 0.0))
    out = []
    for i, d in enumerate(CARD):
        out += s.feed(CallerDtmf(d, 1000.0 + 150 * i))
    out += s.on_timer(1000.0 + 150 * 16 + s.policy.keyed_digits_gap_ms)
    assert of(out, ForwardDtmf) == []
    [audit] = [a for a in of(out, Audit) if a.event == "keyed_digits"]
    assert (audit.outcome, audit.category) == ("withheld", "payment_card")
    [notice] = of(out, Notice)
    assert "16-digit" in notice.text
    assert CARD not in repr(out)


def test_the_keyed_digit_limit_is_policy():
    from guardrail.policy import Policy, PolicyError

    s = Session(Policy.from_toml("[policy]\nkeyed_digits_max = 0\n"))
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(CallerDtmf("1", 0.0))
    assert of(s.feed(CallerDtmf("#", 10.0)), ForwardDtmf)[0].digit == "#"
    for bad in ("-1", "9", "true", '"3"'):
        with pytest.raises(PolicyError, match="keyed_digits_max"):
            Policy.from_toml(f"[policy]\nkeyed_digits_max = {bad}\n")


def test_events_after_the_end_are_ignored():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(CallEnded(10.0))
    assert s.feed(CallerTranscript(CARD, True, 20.0)) == []


# -- properties over random event sequences ---------------------------------

SECRETS = [CARD, "4111 1111 1111 1111", SPOKEN, "078-05-1123", "121000358", "hunter2"]
TEXTS = st.sampled_from([
    f"my card is {CARD}", SPOKEN, "my social is 078-05-1123", "routing 121000358",
    "my password is hunter2", "hello there", "what's the weather", "sure",
])  # fmt: skip
AGENT = st.sampled_from([
    "What's the card number?", "And the three digits on the back?", "How can I help?",
    "What's your social security number?", "Please say your PIN.", "Thanks!",
    f"I have {CARD} on file.", "What's your date of birth?",
])  # fmt: skip


@st.composite
def events(draw):
    t = 0.0
    seq = [CallStarted("CA1", "MZ1", 0.0)]
    for _ in range(draw(st.integers(0, 25))):
        t += draw(st.floats(0, 3000))
        kind = draw(st.integers(0, 8))
        if kind == 0:
            words = ()
            if draw(st.booleans()):  # word timings, on the call's clock or not
                offsets = draw(st.lists(st.floats(-20_000, 1_000), max_size=6))
                words = tuple(Word("four", t + o, t + o + 200) for o in sorted(offsets))
            seq.append(CallerTranscript(draw(TEXTS), draw(st.booleans()), t, words))
        elif kind == 8:
            seq.append(AuditHealth(draw(st.booleans()), t))
        elif kind == 1:
            seq.append(AgentText(draw(AGENT), draw(st.booleans()), t))
        elif kind == 2:
            seq.append(CallerDtmf(draw(st.sampled_from("0123456789#*")), t))
        elif kind == 3:
            seq.append(ControlResult(draw(st.integers(1, 8)), draw(st.booleans()), t))
        elif kind == 4:
            seq.append(
                HandoffResult(
                    draw(st.integers(1, 8)),
                    draw(st.sampled_from(["connected", "returned", "failed"])),
                    t,
                )
            )
        elif kind == 5:
            seq.append(CallerAudio(bytes(draw(st.binary(max_size=400))), t))
        elif kind == 7:
            seq.append(
                CaptureResult(
                    draw(st.integers(1, 8)),
                    draw(st.booleans()),
                    t,
                    draw(st.sampled_from(["", "card ending 1111 accepted"])),
                )
            )
        elif kind == 6:
            seq.append(("timer", t))
    if draw(st.booleans()):
        seq.append(CallEnded(t + 1))
    return seq


def run(seq):
    s = Session()
    out = []
    for ev in seq:
        if isinstance(ev, tuple):
            out.append((ev, s.on_timer(ev[1]), s.state))
        else:
            state_before = s.state
            out.append((ev, s.feed(ev), state_before))
    return s, out


@settings(max_examples=150, deadline=None)
@given(events())
def test_no_value_in_any_forwarded_text_notice_or_audit(seq):
    _, out = run(seq)
    for _, acts, _ in out:
        for a in acts:
            if isinstance(a, ForwardText | Notice | Audit | Alert | Say | Redact | Handoff):
                blob = " ".join(
                    v for v in (getattr(a, f) for f in a.__slots__) if isinstance(v, str)
                )
                for secret in SECRETS:
                    assert secret not in blob
                assert "4111" not in blob
                assert "1123" not in blob


@settings(max_examples=150, deadline=None)
@given(events())
def test_no_caller_audio_reaches_the_bot_while_protected(seq):
    _, out = run(seq)
    for _ev, acts, state in out:
        for a in acts:
            if isinstance(a, ForwardAudio) and state != "normal":
                assert a.masked
                assert set(a.payload) <= {0xFF}
            if isinstance(a, ForwardDtmf):
                assert state == "normal"


@settings(max_examples=150, deadline=None)
@given(events())
def test_every_pause_has_a_resume_or_the_call_ends(seq):
    """Pauses and resumes alternate; a pause still owed at the end is known to the
    session (it resumes when the agent moves on) unless the call ended."""
    s, out = run(seq)
    owed = False
    paused_ever = False
    for _, acts, _ in out:
        for a in acts:
            if isinstance(a, PauseRecording):
                assert not owed
                owed = paused_ever = True
            elif isinstance(a, ResumeRecording):
                assert paused_ever
                owed = False
            elif isinstance(a, Alert) and a.reason.startswith("resume_recording"):
                owed = True  # the resume was not confirmed: still owed
            elif isinstance(a, Alert) and a.reason.startswith("pause_recording"):
                owed = False  # the pause did not happen: nothing to resume
    if owed and s.state != "ended":
        assert s.recording_paused


@settings(max_examples=150, deadline=None)
@given(events())
def test_open_masks_are_closed_by_the_end(seq):
    s, out = run(seq)
    open_starts = []
    for _, acts, _ in out:
        for a in acts:
            if isinstance(a, MaskAudio) and a.target == "recording":
                if a.end_ms is None:
                    open_starts.append(a.start_ms)
                else:
                    assert a.end_ms >= a.start_ms
                    if a.start_ms in open_starts:
                        open_starts.remove(a.start_ms)
    if s.state == "ended":
        assert open_starts == []


@settings(max_examples=200, deadline=None)
@given(events())
def test_nothing_stays_muted_or_stuck(seq):
    """Whatever happened, once every deadline has passed the session is back with
    the bot (or with a secure path or a human, which the return ends), unmuted
    when with the bot, and waits on nothing."""
    s, _ = run(seq)
    if s.state == "ended":
        return
    far = s.now + 10 * 60_000.0
    for _ in range(5):  # a re-prompt or a fail-closed step may set one more deadline
        s.on_timer(far)
        far += 10 * 60_000.0
    assert s.state in ("normal", "handed_off")
    assert s.next_deadline() is None
    if s.state == "normal":
        assert not s.bot_muted


def test_transitions_name_a_handler_for_every_state_and_event():
    from guardrail import session as m

    events = {
        CallStarted, CallerAudio, CallerDtmf, CallerTranscript, AgentText, ControlResult,
        HandoffResult, CaptureResult, CallEnded, AuditHealth,
    }  # fmt: skip
    for state in ("normal", "protecting", "secure_capture", "handed_off"):
        for ev in events:
            assert hasattr(Session, m.TRANSITIONS[(state, ev)])
    # what differs by state is in the table, not hidden in one handler
    assert m.TRANSITIONS[("normal", CallerDtmf)] != m.TRANSITIONS[("secure_capture", CallerDtmf)]
    assert m.TRANSITIONS[("normal", AgentText)] != m.TRANSITIONS[("handed_off", AgentText)]


def capture_ready(s):
    s.feed(CallStarted("CA1", "MZ1"))
    confirm(s, s.feed(AgentText("What's the card number?", True, 0.0)), 10.0)
    assert s.state == "secure_capture"


def keyed_payloads(digits):
    x, spans = synth.keyed_sequence(digits, tone_ms=80, gap_ms=80)
    return [mulaw.encode_bytes(x[i : i + 160]) for i in range(0, len(x) - 159, 160)], spans


def test_a_key_in_the_audio_and_in_a_twilio_dtmf_message_is_one_digit():
    s = Session()
    capture_ready(s)
    payloads, spans = keyed_payloads(CARD)
    ends = {int(end // 20) + 1: d for d, _, end in spans}
    digits = []
    t0 = 100.0
    for i, p in enumerate(payloads):
        digits += [a.digit for a in of(s.feed(CallerAudio(p, t0 + 20 * i)), CaptureDigit)]
        if i in ends:  # Twilio's message for the same press, after its tone
            digits += [a.digit for a in of(s.feed(CallerDtmf(ends[i], t0 + 20 * i)), CaptureDigit)]
    assert "".join(digits) == CARD


def test_twilio_dtmf_first_then_the_tone_is_one_digit_and_repeated_keys_count():
    s = Session()
    capture_ready(s)
    payloads, _ = keyed_payloads("11")
    digits = [a.digit for a in of(s.feed(CallerDtmf("1", 100.0)), CaptureDigit)]
    for i, p in enumerate(payloads):
        digits += [a.digit for a in of(s.feed(CallerAudio(p, 100.0 + 20 * i)), CaptureDigit)]
    digits += [
        a.digit for a in of(s.feed(CallerDtmf("1", 100.0 + 20 * len(payloads))), CaptureDigit)
    ]
    assert digits == ["1", "1"]  # two presses, each reported twice


def test_a_pause_confirmed_after_the_timeout_is_recorded_as_it_happened():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    [p] = of(s.feed(AgentText("What's the card number?", True, 0.0)), PauseRecording)
    out = s.on_timer(5000.0)
    assert [a.text for a in of(out, Say)] == [s.config.say_failed]
    assert s.state == "normal"
    assert not s.recording_paused
    late = s.feed(ControlResult(p.action_id, True, 5200.0))
    assert [(a.event, a.outcome) for a in of(late, Audit)] == [
        ("pause_recording", "confirmed_late")
    ]
    assert s.recording_paused  # it is paused after all: resumed when the agent moves on
    assert of(s.feed(AgentText("Anything else?", True, 6000.0)), ResumeRecording)


def test_a_redirect_confirmed_after_giving_up_keeps_the_bot_out():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("What's your social security number?", True, 0.0))
    [h] = of(confirm(s, acts, 10.0), Handoff)
    s.on_timer(10.0 + s.config.confirm_timeout_ms)
    assert s.state == "normal"
    out = s.feed(HandoffResult(h.action_id, "connected", 3000.0))
    assert s.state == "handed_off"
    assert of(out, MuteBotInput)


def test_barge_in_drops_held_agent_text():
    from guardrail.events import AgentInterrupted

    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    assert of(s.feed(AgentText("Sure, I can", False, 0.0)), ForwardText) == []
    s.feed(AgentInterrupted(100.0))
    [fwd] = of(s.feed(AgentText("How can I help?", True, 200.0)), ForwardText)
    assert fwd.text == "How can I help?"


def test_a_stream_stop_ends_the_call_only_when_the_caller_is_with_the_bot():
    from guardrail.events import StreamStopped

    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("What's your social security number?", True, 0.0))
    [h] = of(confirm(s, acts, 10.0), Handoff)
    s.feed(HandoffResult(h.action_id, "connected", 20.0))
    s.feed(StreamStopped(30.0))  # Twilio ends the stream when it redirects
    assert s.state == "handed_off"
    s.feed(HandoffResult(h.action_id, "returned", 9000.0, "verified"))
    s.feed(StreamStopped(12_000.0))  # a hang-up
    assert s.state == "ended"


def test_a_stream_stop_while_the_pause_is_still_awaited_is_a_hang_up():
    """Protecting, no redirect sent yet (the recording pause is unanswered): Twilio
    ends a stream only for a redirect or a hang-up, so the caller is gone. With
    the redirect sent, the same stop is the caller leaving."""
    from guardrail.events import StreamStopped

    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(AgentText("What's your social security number?", True, 0.0))
    assert s.state == "protecting"
    s.feed(StreamStopped(30.0))
    assert s.state == "ended"
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    acts = s.feed(AgentText("What's your social security number?", True, 0.0))
    assert of(confirm(s, acts, 10.0), Handoff)  # the redirect went out
    s.feed(StreamStopped(30.0))
    assert s.state == "protecting"


def test_the_guardrails_own_prompt_spoken_by_the_bot_is_let_through_once():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    out = confirm(s, s.feed(AgentText("What's the card number?", True, 0.0)), 10.0)
    [say] = of(out, Say)
    assert s.state == "secure_capture"
    # the bot speaks the prompt for the guardrail (proxy mode): its words pass
    [fwd] = of(s.feed(AgentText(say.text, True, 20.0)), ForwardText)
    assert fwd.text == say.text
    # once: the same words again are the bot's, withheld while capturing
    again = s.feed(AgentText(say.text, True, 30.0))
    assert of(again, ForwardText) == []
    assert of(again, SuppressAgentAudio)


# -- where a disclosure is masked from the recording ------------------------------


def recording_masks(acts):
    return [(a.start_ms, a.end_ms) for a in of(acts, MaskAudio) if a.target == "recording"]


SSN_WORDS = (
    Word("yes", 1000, 1300),
    Word("my", 1400, 1550),
    Word("social", 1600, 2000),
    Word("is", 2050, 2200),
    *(Word(w, 2400 + 350 * i, 2700 + 350 * i) for i, w in enumerate(["three", "eight", "six"])),
    Word("48", 3600, 4100),
    *(Word(w, 4300 + 350 * i, 4600 + 350 * i) for i, w in enumerate(["nine", "three", "six"])),
    Word("one", 5350, 5650),
    Word("thanks", 5900, 6300),
)


def test_a_disclosure_with_word_timings_is_masked_over_its_own_words():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    text = f"yes, my social is {SSN} thanks"
    acts = s.feed(CallerTranscript(text, True, 6800.0, SSN_WORDS))
    guard = s.config.mask_word_guard_ms
    # spoken "three eight six" for "386": the words between those found stand for it
    assert recording_masks(acts) == [(2400 - guard, 5650 + guard)]
    assert s.exposed == [(2400 - guard, 5650 + guard, "ssn")]


def test_a_value_inside_a_run_of_words_written_differently_is_placed_with_a_margin():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    digits = tuple(Word("one", 1000 + 350 * i, 1300 + 350 * i) for i in range(16))
    words = (Word("it", 500, 600), Word("is", 650, 800), *digits, Word("o.k.", 6600, 7000))
    acts = s.feed(
        CallerTranscript(
            f"it is {' '.join([CARD[i : i + 4] for i in range(0, 16, 4)])} okay",
            True,
            7500.0,
            words,
        )
    )
    [(start, end)] = recording_masks(acts)
    # the number and "okay" are one run of words the transcript wrote differently:
    # the number is its share of the run, with a margin, never less than its words
    assert start <= digits[0].start_ms - s.config.mask_word_guard_ms
    assert end >= digits[-1].end_ms + s.config.mask_word_guard_ms
    assert start >= 800.0  # "it is" was found: not masked


@pytest.mark.parametrize(
    ("shift", "t"),
    [(0.0, 30_000.0), (5_000.0, 6_800.0)],  # before the lookback; after the transcript
)
def test_word_timings_on_another_clock_are_not_trusted(shift, t):
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    words = tuple(Word(w.text, w.start_ms + shift, w.end_ms + shift) for w in SSN_WORDS)
    acts = s.feed(CallerTranscript(f"yes, my social is {SSN} thanks", True, t, words))
    # no speech heard either: from the lookback to the transcript, as without times
    assert recording_masks(acts) == [(max(0.0, t - s.config.disclosure_lookback_ms), t)]


def test_word_timings_that_leave_the_value_out_are_not_trusted():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    words = SSN_WORDS[:4]  # the speech-to-text timed the words before the number only
    acts = s.feed(CallerTranscript(f"yes, my social is {SSN}", True, 6800.0, words))
    assert recording_masks(acts) == [(0.0, 6800.0)]


def speech_then_silence(s, data_dir, t0=0.0):
    """The espeak utterance as caller audio, then a second of silence: one VAD segment."""
    from audio.wav import read_wav

    pcm, _ = read_wav(data_dir / "espeak_card_digits.wav")
    codes = mulaw.encode_bytes(pcm) + bytes([0xFF]) * 8000
    t = t0
    for i in range(0, len(codes) - 159, 160):
        t = t0 + i / 8
        s.feed(CallerAudio(codes[i : i + 160], t))
    return t


def test_without_word_timings_a_disclosure_is_placed_on_the_utterances_speech(data_dir):
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    t = speech_then_silence(s, data_dir, 1000.0)
    [(seg_start, seg_end)] = list(s._speech)
    text = "my card number is 4111 1111 1111 1111, the expiry is 04 29 and the code is 737"
    acts = s.feed(CallerTranscript(text, True, t))
    card, expiry, code = recording_masks(acts)
    # each value on its own share of the speech the VAD heard, in the order spoken:
    # the code is not masked with the card, nor the words between them
    for start, end in (card, expiry, code):
        assert seg_start <= start < end <= seg_end
    assert card[0] < expiry[0] < code[0]
    assert card[1] < code[0]
    assert code[0] - card[1] > 1000.0
    assert s._speech == type(s._speech)()  # the final transcript closed the utterance


def test_speech_while_the_bot_was_muted_is_no_part_of_the_next_utterance(data_dir):
    s = Session()
    capture_ready(s)
    t = speech_then_silence(s, data_dir, 100.0)  # spoken during the secure capture
    s.feed(CallerDtmf("#", t))
    assert s.state == "normal"
    assert list(s._speech) == []


# -- when the audit trail cannot keep entries -------------------------------------


def test_while_the_audit_trail_is_down_no_sensitive_operation_starts():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    down = s.feed(AuditHealth(False, 100.0))
    assert [a.reason for a in of(down, Alert)] == ["audit_unavailable"]
    assert s.feed(AuditHealth(False, 150.0)) == []  # said once, not per report
    acts = s.feed(AgentText("What's the card number?", True, 200.0))
    assert of(acts, SuppressAgentAudio)  # the request never reaches the caller
    assert not of(acts, ForwardText)
    assert [a.text for a in of(acts, Say)] == [s.config.say_audit_unavailable]
    assert of(acts, Notice)  # the bot learns it cannot take them now
    for kind in (Handoff, PauseRecording, MuteBotInput):
        assert not of(acts, kind)
    assert s.state == "normal"
    assert ("agent_request", "withheld_audit_unavailable", "payment_card") in [
        (a.event, a.outcome, a.category) for a in of(acts, Audit)
    ]
    # asked again: withheld again, the caller told only once
    again = s.feed(AgentText("What's your social security number?", True, 300.0))
    assert of(again, SuppressAgentAudio)
    assert not of(again, Say)
    assert not of(again, Handoff)
    # a card the caller volunteers: redacted and masked, but no capture, no handoff
    acts = s.feed(CallerTranscript(f"my card is {CARD}", True, 400.0))
    assert [f.text for f in of(acts, ForwardText)] == ["my card is [payment_card]"]
    assert recording_masks(acts)
    assert s.state == "normal"
    assert not of(acts, Handoff)
    assert not of(acts, MuteBotInput)
    # keyed digits are still withheld from the bot
    out = []
    for i, d in enumerate(CARD):
        out += s.feed(CallerDtmf(d, 1000.0 + 150 * i))
    out += s.on_timer(1000.0 + 150 * 16 + s.policy.keyed_digits_gap_ms)
    assert of(out, ForwardDtmf) == []
    assert [a.outcome for a in of(out, Audit) if a.event == "keyed_digits"] == ["withheld"]


def test_when_the_audit_trail_is_back_service_is_normal():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(AuditHealth(False, 100.0))
    back = s.feed(AuditHealth(True, 500.0))
    assert [(a.event, a.outcome) for a in of(back, Audit)] == [("audit_trail", "restored")]
    acts = confirm(s, s.feed(AgentText("What's the card number?", True, 600.0)), 700.0)
    assert s.state == "secure_capture"
    [h] = of(acts, Handoff)
    assert h.kind == "keypad"
    # down again: the caller is told again (once for this outage)
    s.feed(AuditHealth(False, 800.0))
    assert s.state == "secure_capture"  # a flow under way is finished, not abandoned


def test_a_request_that_starts_nothing_is_served_while_the_trail_is_down():
    s = Session()
    s.feed(CallStarted("CA1", "MZ1"))
    s.feed(AuditHealth(False, 0.0))
    [fwd] = of(s.feed(AgentText("How can I help?", True, 10.0)), ForwardText)
    assert fwd.text == "How can I help?"
