"""The key never leaves in any spelling (issue 12, class 5): ``Secret`` on its own, then the
``Client`` against a hostile server that echoes the key it was sent, JSON-escaped,
percent-encoded or as HTML references, in an instrument name and in the message.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.api.client import Client
from midi_export.api.secret import MASK, Secret
from midi_export.errors import AuthenticationError

from hostile import HostileServer, echo_key, escape_key

KEY = "sk-AB/cd+ef=0123456789"
FORMS = ["raw", "json_slash", "json_u", "json_U", "json_mixed", "percent", "percent_lower",
         "html"]


def body_with(shown: str) -> bytes:
    return ('{"code": 200, "msg": "bad key ' + shown + '", "data": {"taskId": "t1", '
            '"midiData": {"instruments": [{"name": "Piano ' + shown + '", "notes": '
            '[{"pitch": 60, "start": 0.123, "end": 0.5, "velocity": 0.5}]}]}}}').encode()


@pytest.mark.parametrize("form", FORMS)
def test_every_spelling_is_masked_and_every_other_byte_kept(form: str) -> None:
    body = body_with(escape_key(KEY, form))
    assert Secret(KEY).scrub_body(body) == body_with(MASK)


@pytest.mark.parametrize("form", ["raw", "percent", "percent_lower", "html"])
def test_decoded_text_is_masked(form: str) -> None:
    assert Secret(KEY).scrub_text("see " + escape_key(KEY, form) + ".") == f"see {MASK}."


def test_a_body_without_the_key_is_returned_as_it_is() -> None:
    body = body_with("nothing to see \\u00e9 %20 &amp;")
    assert Secret(KEY).scrub_body(body) is body


def test_a_spelling_no_pattern_knows_is_caught_once_decoded_and_the_body_rewritten() -> None:
    body = json.dumps({"msg": "x", "data": {"name": "Piano " + KEY}}).encode("utf-16")
    cleaned = Secret(KEY).scrub_body(body)
    assert json.loads(cleaned) == {"msg": "x", "data": {"name": f"Piano {MASK}"}}


@pytest.mark.parametrize("key", ["abc", "k", "123", "0.5"])
def test_a_short_key_is_masked_where_it_is_a_word_and_never_in_numbers(key: str) -> None:
    secret = Secret(key)
    body = ('{"msg": "bad key ' + key + '", "n": [0.123, 1234, 0.5], "name": "' + key
            + 'def Piano ' + key + '", "e": "x\\u0020' + key + '"}').encode()
    payload = json.loads(secret.scrub_body(body))
    assert payload["msg"] == f"bad key {MASK}"
    assert payload["n"] == [0.123, 1234, 0.5]
    assert payload["name"] == f"{key}def Piano {MASK}"
    assert payload["e"] == f"x {MASK}"  # an escaped space before it: still a word


def test_the_word_rule_knows_letters_of_any_script() -> None:
    shown = Secret("abc").scrub_text("Drums abc-bass éabc abcé Abc")
    assert shown == "Drums ***-bass éabc abcé Abc"


def test_a_long_digit_key_inside_numbers_is_data() -> None:
    body = b'{"start": 0.123456789, "name": "x12345678y"}'
    assert json.loads(Secret("12345678").scrub_body(body)) == {
        "start": 0.123456789, "name": f"x{MASK}y"}


def test_a_page_that_is_not_json_is_scrubbed_everywhere() -> None:
    page = b"<html><title>denied for " + escape_key(KEY, "percent").encode() + b"</title>"
    assert Secret(KEY).scrub_body(page) == b"<html><title>denied for ***</title>"


def test_the_quick_filter_is_quick_on_a_large_body() -> None:
    notes = [{"pitch": 60, "start": i * 0.01, "end": i * 0.01 + 0.1, "velocity": 0.5}
             for i in range(200_000)]
    body = json.dumps({"code": 200, "data": {"midiData": {"instruments": [
        {"name": "Pi\u00e9no", "notes": notes}]}}}).encode()  # one escape in 18 MB
    for key in (KEY, "abc"):
        secret = Secret(key)
        start = time.perf_counter()
        assert secret.scrub_body(body) is body
        assert time.perf_counter() - start < 1.0  # a few ms; the pattern's scan was 0.5 s


def test_deep_payloads_do_not_recurse() -> None:
    deep: object = "Piano " + KEY
    for _ in range(50_000):
        deep = [deep]
    secret = Secret(KEY)
    assert secret.leaks(deep)
    out = secret.scrub_payload(deep)
    for _ in range(50_000):
        assert isinstance(out, list)
        out = out[0]
    assert out == f"Piano {MASK}"


def test_repr_hides_the_key() -> None:
    assert KEY not in repr(Secret(KEY))


def json_spelled(key: str, form: str) -> str:
    """``key`` as it may be written between the quotes of a JSON string, in ``form``."""
    def plain(c: str) -> str:
        return json.dumps(c)[1:-1]

    def u(c: str, upper: bool = False) -> str:
        return f"\\u{ord(c):04X}" if upper else f"\\u{ord(c):04x}"

    if form == "json_slash":
        return "".join("\\/" if c == "/" else plain(c) for c in key)
    if form in ("json_u", "json_U"):
        return "".join(u(c, form == "json_U") if c.isalpha() else plain(c) for c in key)
    if form == "json_mixed":
        return "".join(u(c) if i % 2 else plain(c) for i, c in enumerate(key))
    return json.dumps(escape_key(key, form))[1:-1]  # raw, percent, html: plain text


@settings(max_examples=200, deadline=None)
@given(key=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40),
       form=st.sampled_from(FORMS), prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_property_no_spelling_survives_decoding(key: str, form: str, prefix: str,
                                                suffix: str) -> None:
    """Whatever the key (printable ASCII), its spelling inside a JSON string and the text
    around it, once the scrubbed body is decoded no string holds the key."""
    inner = json.dumps(prefix)[1:-1] + json_spelled(key, form) + json.dumps(suffix)[1:-1]
    body = ('{"msg": "' + inner + '"}').encode("utf-8", "surrogatepass")
    decoded = json.loads(body)["msg"]
    assert escape_key(key, form) in decoded or key in decoded  # the echo is there
    text = json.loads(Secret(key).scrub_body(body))["msg"]
    assert key not in text
    if form in ("percent", "percent_lower", "html"):
        assert escape_key(key, form) not in text


# ------------------------------------------------------------------ against a hostile server


def client(server: HostileServer, key: str = KEY) -> Client:
    return Client(key, base_url=server.base_url, max_retries=0, request_timeout=5)


@pytest.mark.parametrize("form", FORMS)
def test_an_echo_in_any_spelling_reaches_neither_the_record_nor_the_body(form: str) -> None:
    with HostileServer(echo_key(form)) as server, client(server) as c:
        result = c.get_result("t1")
    decoded = json.dumps(json.loads(result.body), ensure_ascii=False)
    assert KEY not in decoded and escape_key(KEY, form) not in decoded
    assert result.record.instruments[0].name == f"Piano {MASK}"
    assert result.record.raw["msg"] == f"bad key {MASK}"


def test_an_echo_in_an_error_message_is_masked() -> None:
    with HostileServer(echo_key("json_u", code=401)) as server, client(server) as c, \
            pytest.raises(AuthenticationError) as info:
        c.get_record("t1")
    assert KEY not in str(info.value) and f"bad key {MASK}" in str(info.value)


def test_a_short_key_echoed_as_a_word_is_masked() -> None:
    with HostileServer(echo_key("raw", where=("name",))) as server, client(server, "abc") as c:
        result = c.get_result("t1")
    assert result.record.instruments[0].name == f"Piano {MASK}"
    assert b"abc" not in result.body
