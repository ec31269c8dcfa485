"""Route configuration and the TwiML built from it (groundwork for issue 5)."""

from __future__ import annotations

import datetime as dt
import tomllib
import xml.etree.ElementTree as ET

import pytest

from handoff import twiml
from handoff.routes import RouteError, load_routes

CONFIG = """
[routes.human]
kind = "human"
targets = ["(415) 555-0100", "sip:agents@pbx.example.com", "queue:support"]
caller_id = "+1 415 555 0199"
ring_timeout_s = 25
timezone = "America/New_York"
hours = { mon = "09:00-17:00", fri = "09:00-12:30" }
after_hours = "night"

[routes.night]
kind = "human"
targets = ["queue:overnight"]

[routes.card]
kind = "pay"
valid_card_types = ["visa", "mastercard"]
timeout_s = 7

[routes.secure_card]
kind = "keypad"
sink = "https://tokens.example.com/v1/cards"
"""


def routes():
    return load_routes(tomllib.loads(CONFIG)["routes"])


def test_routes_load_and_normalise_numbers():
    r = routes()
    human = r["human"]
    assert [t.kind for t in human.targets] == ["number", "sip", "queue"]
    assert human.targets[0].address == "+14155550100"
    assert human.caller_id == "+14155550199"
    assert (r["card"].kind, r["card"].timeout_s, r["card"].charge_amount) == ("pay", 7, None)
    assert r["secure_card"].max_digits == 19


def test_business_hours_in_the_route_time_zone():
    human = routes()["human"]
    ny = dt.timezone(dt.timedelta(hours=-5))  # EST
    assert human.open_at(dt.datetime(2026, 11, 30, 10, 0, tzinfo=ny))  # Monday 10:00
    assert not human.open_at(dt.datetime(2026, 11, 30, 18, 0, tzinfo=ny))
    assert not human.open_at(dt.datetime(2026, 12, 1, 10, 0, tzinfo=ny))  # Tuesday: closed
    assert human.open_at(dt.datetime(2026, 12, 4, 12, 29, tzinfo=ny))  # Friday 12:29
    # 15:00 UTC on a Monday is 10:00 in New York
    assert human.open_at(dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[routes.h]\nkind = "human"\ntargets = ["12"]\n', "routes.h.targets[0]: not a valid"),
        ('[routes.h]\nkind = "human"\ntargets = []\n', "routes.h.targets"),
        ('[routes.h]\nkind = "robot"\n', "routes.h.kind"),
        ('[routes.h]\nkind = "human"\ntargets = ["sip:nohost"]\n', "not a SIP URI"),
        (
            '[routes.h]\nkind = "human"\ntargets = ["queue:x"]\nhours = { mon = "9-5" }\n'
            'timezone = "UTC"\n',
            "routes.h.hours.mon",
        ),
        (
            '[routes.h]\nkind = "human"\ntargets = ["queue:x"]\nhours = { mon = "09:00-17:00" }\n',
            "routes.h.timezone: required",
        ),
        ('[routes.h]\nkind = "human"\ntargets = ["queue:x"]\ntimezone = "Mars/Olympus"\n', "IANA"),
        (
            '[routes.h]\nkind = "human"\ntargets = ["queue:x"]\nafter_hours = "nowhere"\n',
            "after_hours",
        ),
        ('[routes.p]\nkind = "pay"\nvalid_card_types = ["visa", "monopoly"]\n', "valid_card_types"),
        ('[routes.p]\nkind = "pay"\ncharge_amount = 10\n', "charge_amount"),
        ('[routes.k]\nkind = "keypad"\nsink = "http://insecure"\n', "https://"),
        (
            '[routes.k]\nkind = "keypad"\ncolour = "red"\n',
            "routes.k: an unknown key for a keypad route",
        ),
    ],
)
def test_route_errors_name_the_key_and_the_fix(toml, words):
    with pytest.raises(RouteError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_routes(tomllib.loads(toml)["routes"])


def test_route_errors_never_quote_numbers():
    toml = '[routes.h]\nkind = "human"\ntargets = ["+1 999 4111 111"]\n'
    with pytest.raises(RouteError) as info:
        load_routes(tomllib.loads(toml)["routes"])
    assert "4111" not in str(info.value)


def test_pay_twiml():
    xml = twiml.pay(
        routes()["card"],
        action="https://gr.example.com/twilio/return",
        say="Please enter your card on the keypad.",
    )
    root = ET.fromstring(xml)
    pay = root.find("Pay")
    assert pay.get("action") == "https://gr.example.com/twilio/return"
    assert pay.get("validCardTypes") == "visa mastercard"
    assert pay.get("securityCode") == "true"
    assert pay.get("chargeAmount") == "0"
    assert pay.get("tokenType") == "reusable"
    assert root.find("Say").text == "Please enter your card on the keypad."


def test_dial_twiml_walks_the_fallbacks():
    human = routes()["human"]
    first = ET.fromstring(twiml.dial(human, action="https://gr/return", attempt=0))
    assert first.find("Dial/Number").text == "+14155550100"
    assert first.find("Dial").get("callerId") == "+14155550199"
    assert first.find("Dial").get("timeout") == "25"
    second = ET.fromstring(twiml.dial(human, action="https://gr/return", attempt=1))
    assert second.find("Dial/Sip").text == "sip:agents@pbx.example.com"
    third = ET.fromstring(twiml.dial(human, action="https://gr/return", attempt=2))
    assert third.find("Enqueue").text == "support"


def test_back_to_bot_carries_the_resume_token():
    root = ET.fromstring(twiml.back_to_bot("wss://gr.example.com/twilio/media", "tok123"))
    param = root.find("Connect/Stream/Parameter")
    assert (param.get("name"), param.get("value")) == ("guardrail_resume", "tok123")
    with pytest.raises(ValueError, match="wss://"):
        twiml.back_to_bot("ws://insecure", "t")
