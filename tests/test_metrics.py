"""guardrail.metrics: counts, bounded labels, and a parseable exposition."""

from __future__ import annotations

import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from guardrail.detect.categories import REQUEST_CATEGORIES
from guardrail.events import Alert, Audit
from guardrail.metrics import (
    CATEGORIES,
    CONTROL_OPERATIONS,
    FORBIDDEN,
    HANDOFF_KINDS,
    HANDOFF_OUTCOMES,
    LATENCY_BUCKETS,
    Metrics,
)

CARD = "4111111111111111"


def value(m: Metrics, name: str, **labels: str) -> float:
    got = m.registry.get_sample_value(name, labels)
    assert got is not None, f"no sample {name} {labels}"
    return got


def families(m: Metrics) -> dict[str, prometheus_client.Metric]:
    body, _ = m.render()
    return {f.name: f for f in text_string_to_metric_families(body.decode())}


def label_values(m: Metrics) -> dict[str, set[str]]:
    """Every label name in the exposition, with every value it takes."""
    out: dict[str, set[str]] = {}
    for fam in families(m).values():
        for sample in fam.samples:
            for k, v in sample.labels.items():
                out.setdefault(k, set()).add(v)
    return out


def test_frames_latency_and_calls_count() -> None:
    m = Metrics()
    for _ in range(3):
        m.frame("caller")
    m.frame("bot")
    m.frame("sideways")  # not a direction: not counted, no new series
    m.latency(3e-5)
    m.latency(0.5)
    m.latency(-1.0)  # a clock step backwards: counted as 0
    assert value(m, "guardrail_media_frames_total", direction="caller") == 3
    assert value(m, "guardrail_media_frames_total", direction="bot") == 1
    assert label_values(m)["direction"] == {"caller", "bot"}
    assert value(m, "guardrail_added_latency_seconds_count") == 3
    assert value(m, "guardrail_added_latency_seconds_bucket", le="1e-05") == 1
    assert value(m, "guardrail_added_latency_seconds_bucket", le="2e-05") == 1
    assert value(m, "guardrail_added_latency_seconds_bucket", le="5e-05") == 2
    assert value(m, "guardrail_added_latency_seconds_bucket", le="0.05") == 2
    assert value(m, "guardrail_added_latency_seconds_bucket", le="+Inf") == 3
    assert value(m, "guardrail_added_latency_seconds_sum") == pytest.approx(0.50003)

    m.call_started()
    m.call_started()
    m.call_ended()
    assert value(m, "guardrail_calls_total") == 2
    assert value(m, "guardrail_calls_active") == 1
    m.call_ended()
    m.call_ended()  # an end without a start: the gauge stays at 0
    assert value(m, "guardrail_calls_active") == 0


def test_latency_buckets_span_10us_to_50ms() -> None:
    assert LATENCY_BUCKETS[0] == 1e-5
    assert LATENCY_BUCKETS[-1] == 5e-2
    assert list(LATENCY_BUCKETS) == sorted(LATENCY_BUCKETS)
    fam = families(Metrics())["guardrail_added_latency_seconds"]
    les = [s.labels["le"] for s in fam.samples if s.name.endswith("_bucket")]
    assert [float(le) for le in les[:-1]] == list(LATENCY_BUCKETS)
    assert les[-1] == "+Inf"


def test_unknown_labels_become_other_and_carry_no_digits() -> None:
    m = Metrics()
    m.detection("ssn")
    m.detection(f"card {CARD}")
    m.detection(CARD)
    m.handoff("keypad", "requested")
    m.handoff(f"route-{CARD}", CARD)
    m.handoff("human", "timeout")
    m.control_failure(CARD)
    m.protocol_error(CARD)
    m.protocol_error("twilio")
    m.forbidden(f"bad signature {CARD}")
    body, _ = m.render()
    text = body.decode()
    assert CARD not in text
    assert "4111 1111" not in text
    assert "1111-1111" not in text
    assert value(m, "guardrail_detections_total", category="other") == 2
    assert value(m, "guardrail_detections_total", category="ssn") == 1
    assert value(m, "guardrail_handoffs_total", kind="other", outcome="other") == 1
    assert value(m, "guardrail_handoffs_total", kind="human", outcome="failed") == 1
    assert value(m, "guardrail_handoffs_total", kind="keypad", outcome="requested") == 1
    assert value(m, "guardrail_control_failures_total", operation="other") == 1
    assert value(m, "guardrail_protocol_errors_total", source="other") == 1
    assert value(m, "guardrail_protocol_errors_total", source="twilio") == 1
    assert value(m, "guardrail_forbidden_total", reason="other") == 1

    labels = label_values(m)
    assert labels["category"] == set(CATEGORIES)
    assert labels["kind"] == set(HANDOFF_KINDS)
    assert labels["outcome"] == set(HANDOFF_OUTCOMES)
    assert labels["operation"] == set(CONTROL_OPERATIONS)
    assert labels["source"] == {"twilio", "bot", "other"}
    assert labels["reason"] == set(FORBIDDEN)
    for name, values in labels.items():
        if name != "le":
            assert not any(ch.isdigit() for v in values for ch in v), name


def test_category_labels_are_the_fixed_names() -> None:
    assert set(CATEGORIES) == {*REQUEST_CATEGORIES, "other"}
    m = Metrics()
    for cat in REQUEST_CATEGORIES:
        m.detection(cat)
    for cat in REQUEST_CATEGORIES:
        assert value(m, "guardrail_detections_total", category=cat) == 1
    assert value(m, "guardrail_detections_total", category="other") == 0


def test_control_failure_and_forbidden_aliases() -> None:
    m = Metrics()
    m.control_failure("pause_recording")
    m.control_failure("recording:pause")
    m.control_failure("resume_recording")
    m.control_failure("call:redirect")
    m.control_failure("capture_sink")
    m.forbidden("missing signature")
    m.forbidden("missing_signature")
    m.forbidden("auth token unreadable")
    assert value(m, "guardrail_control_failures_total", operation="recording:pause") == 2
    assert value(m, "guardrail_control_failures_total", operation="recording:resume") == 1
    assert value(m, "guardrail_control_failures_total", operation="call:redirect") == 1
    assert value(m, "guardrail_control_failures_total", operation="capture_sink") == 1
    assert value(m, "guardrail_forbidden_total", reason="missing_signature") == 2
    assert value(m, "guardrail_forbidden_total", reason="auth_token_unreadable") == 1
    assert value(m, "guardrail_forbidden_total", reason="other") == 0


def test_observe_audit() -> None:
    m = Metrics()
    actions = [
        Audit("call_started", "ok", 0.0),
        Audit("agent_request", "intercepted", 10.0, "payment_card"),
        Audit("handoff", "requested", 10.0, "payment_card"),
        Audit("disclosure", "redacted", 20.0, "ssn"),
        Audit("agent_disclosure", "redacted", 25.0, "bank_account"),
        Audit("disclosure", "redacted", 26.0, None),
        Audit("pause_recording", "timeout", 30.0, "ssn"),
        Alert("pause_recording timeout", 30.0),
        Audit("resume_recording", "failed", 40.0),
        Alert("resume_recording failed", 40.0),
        Audit("capture_sink", "timeout", 45.0, "payment_card"),
        Audit("pause_recording", "confirmed", 50.0, "ssn"),
        Audit("secure_capture", "rejected", 55.0, "payment_card"),
        Audit("handoff", "connected", 60.0, "payment_card"),
        Audit("handoff", "returned", 70.0, "payment_card"),
        Audit("handoff", "failed", 80.0, "payment_card"),
        Alert(f"{CARD} happened", 81.0),
        Audit("call_ended", "ok", 90.0),
    ]
    for a in actions:
        m.observe_audit(a, handoff_kind="keypad")
    m.observe_audit(Audit("handoff", "requested", 95.0, "ssn"))  # kind not known
    assert value(m, "guardrail_detections_total", category="payment_card") == 1
    assert value(m, "guardrail_detections_total", category="ssn") == 1
    assert value(m, "guardrail_detections_total", category="bank_account") == 1
    assert value(m, "guardrail_detections_total", category="other") == 1
    for outcome in ("requested", "connected", "returned", "failed"):
        assert value(m, "guardrail_handoffs_total", kind="keypad", outcome=outcome) == 1
    assert value(m, "guardrail_handoffs_total", kind="other", outcome="requested") == 1
    assert value(m, "guardrail_control_failures_total", operation="recording:pause") == 1
    assert value(m, "guardrail_control_failures_total", operation="recording:resume") == 1
    assert value(m, "guardrail_control_failures_total", operation="capture_sink") == 1
    assert value(m, "guardrail_control_failures_total", operation="handoff") == 1
    assert value(m, "guardrail_alerts_total", operation="recording:pause") == 1
    assert value(m, "guardrail_alerts_total", operation="recording:resume") == 1
    assert value(m, "guardrail_alerts_total", operation="other") == 1
    # calls are counted by call_started/call_ended, not from audits
    assert value(m, "guardrail_calls_total") == 0
    assert CARD not in m.render()[0].decode()


def test_exposition_parses_and_names_every_metric() -> None:
    m = Metrics()
    m.frame("caller")
    body, content_type = m.render()
    assert isinstance(body, bytes)
    assert content_type == prometheus_client.CONTENT_TYPE_LATEST
    fams = families(m)
    assert {
        "guardrail_media_frames",
        "guardrail_added_latency_seconds",
        "guardrail_detections",
        "guardrail_handoffs",
        "guardrail_control_failures",
        "guardrail_alerts",
        "guardrail_calls_active",
        "guardrail_calls",
        "guardrail_protocol_errors",
        "guardrail_forbidden",
    } <= set(fams)
    assert fams["guardrail_media_frames"].type == "counter"
    assert fams["guardrail_added_latency_seconds"].type == "histogram"
    assert fams["guardrail_calls_active"].type == "gauge"


def test_each_server_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()  # a second one does not clash over names
    a.frame("caller")
    assert value(a, "guardrail_media_frames_total", direction="caller") == 1
    assert value(b, "guardrail_media_frames_total", direction="caller") == 0
    assert prometheus_client.REGISTRY.get_sample_value("guardrail_calls_total") is None
    assert b"guardrail_" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)
