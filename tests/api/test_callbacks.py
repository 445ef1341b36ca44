"""parse_callback tells every callback shape apart; verify_signature checks kie.ai's HMAC."""

from __future__ import annotations

import base64
import json

import pytest

from midi_export.api.callbacks import (
    CallbackFailure,
    SeparationDone,
    TaskAccepted,
    canonical_digest,
    parse_callback,
    sign,
    verify_signature,
)
from midi_export.errors import CallbackError, SignatureError, TaskFailedError
from midi_export.record import Record, RecordStatus
from midi_export.testing import signed_headers

from conftest import fixture_path

NOW = 1_760_335_300


def example(name: str) -> bytes:
    return fixture_path(name).read_bytes()


@pytest.mark.parametrize(("name", "kind"), [
    ("callback-success-task_id-top.json", Record),
    ("callback-success-taskId-in-data.json", Record),
    ("record-info-success.json", Record),
    ("record-info-empty-midi.json", Record),
    ("callback-failed-null-data.json", CallbackFailure),
    ("callback-failed-taskId-in-data.json", CallbackFailure),
    ("record-info-generation-failed.json", CallbackFailure),
    ("midi-generate-created.json", TaskAccepted),
])
def test_every_example_shape(name: str, kind: type) -> None:
    result = parse_callback(example(name))
    assert isinstance(result, kind)
    assert result.task_id in ("5c79xxxxbe8e", "5c79****be8e")


def test_success_record_keeps_notes_and_string_times() -> None:
    record = parse_callback(example("callback-success-task_id-top.json"))
    assert isinstance(record, Record)
    assert record.status is RecordStatus.SUCCESS
    assert record.note_count == 4
    assert record.instruments[0].ends[0] == pytest.approx(0.18229166666666666)


def test_midi_failure_is_typed_and_raisable() -> None:
    failure = parse_callback(example("callback-failed-null-data.json"))
    assert isinstance(failure, CallbackFailure)
    assert (failure.stage, failure.code, failure.message) == ("midi", 500,
                                                              "MIDI generation failed")
    error = failure.to_error()
    assert isinstance(error, TaskFailedError) and error.task_id == "5c79xxxxbe8e"
    forwarded = parse_callback(example("record-info-generation-failed.json"))
    assert isinstance(forwarded, CallbackFailure)
    assert forwarded.error_code == "MIDI_GENERATION_FAILED" and forwarded.code is None


SEPARATION = {"code": 200, "msg": "vocal Removal generated successfully.", "data": {
    "task_id": "e649edb7", "vocal_removal_info": {
        "origin_url": "", "vocal_url": "https://x/v.mp3", "bass_url": "https://x/b.mp3",
        "backing_vocals_url": "https://x/bv.mp3", "drums_url": ""}}}


def test_separation_done_lists_its_stems() -> None:
    done = parse_callback(json.dumps(SEPARATION).encode())
    assert isinstance(done, SeparationDone)
    assert done.task_id == "e649edb7"
    assert dict(done.stems) == {"vocal": "https://x/v.mp3", "bass": "https://x/b.mp3",
                                "backing_vocals": "https://x/bv.mp3"}
    kie = json.loads(json.dumps(SEPARATION))
    kie["data"]["vocal_separation_info"] = kie["data"].pop("vocal_removal_info")
    assert isinstance(parse_callback(json.dumps(kie)), SeparationDone)


@pytest.mark.parametrize("body", [
    {"code": 500, "msg": "vocal separation failed",
     "data": {"task_id": "s1", "vocal_removal_info": None}},
    {"code": 451, "msg": "Download Failed - Unable to download source audio for separation",
     "data": {"task_id": "s1"}},
    {"code": 200, "msg": "ok", "data": {"task_id": "s1", "vocal_removal_info": None}},
])
def test_separation_failures(body: dict[str, object]) -> None:
    failure = parse_callback(json.dumps(body).encode())
    assert isinstance(failure, CallbackFailure)
    assert failure.stage == "separation" and failure.task_id == "s1"


@pytest.mark.parametrize("where", ["taskId", "task_id", "data.taskId", "data.task_id"])
def test_task_id_everywhere(where: str) -> None:
    body: dict[str, object] = {"code": 200, "data": {"state": "complete", "instruments": [
        {"name": "Drums", "notes": [{"pitch": 36, "start": 0, "end": 0.1, "velocity": 1}]}]}}
    if where.startswith("data."):
        body["data"][where[5:]] = "t-1"  # type: ignore[index]
    else:
        body[where] = "t-1"
    assert parse_callback(json.dumps(body)).task_id == "t-1"


def test_integer_task_id_reads_as_text() -> None:
    assert parse_callback(b'{"code":500,"msg":"x","data":{"taskId":123}}').task_id == "123"


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "not-json"),
    (b"<html>502</html>", "not-json"),
    (b'{"code": 200, "data": {"state": "comp', "not-json"),
    (b"\xff\xfe\x00", "not-json"),
    (b"[1, 2]", "unknown-shape"),
    (b'"text"', "unknown-shape"),
    (b'{"code": 401, "msg": "You do not have access permissions", "data": null}',
     "unknown-shape"),
    (b'{"code": 200, "msg": "success", "data": null}', "unknown-shape"),
    (b'{"code": "two hundred", "data": {}}', "unknown-shape"),
    (b'{"code": 200, "data": {"state": "complete", "instruments": []}}', "unknown-shape"),
    (b'{"code": 200, "data": {"callbackType": "complete", "task_id": "m", "data": []}}',
     "unknown-shape"),
    (b'{"code": 200, "data": {"taskId": "a\\nb", "state": "complete", "instruments": []}}',
     "unknown-shape"),
    (json.dumps({"code": 500, "data": {"taskId": "x" * 201}}).encode(), "unknown-shape"),
])
def test_refused_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback(body)
    assert caught.value.reason == reason


def test_pending_record_is_not_a_callback() -> None:
    with pytest.raises(CallbackError):
        parse_callback(example("record-info-pending.json"))


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(CallbackError):
        parse_callback(b"[" * 100_000 + b"]" * 100_000)


# ---------------------------------------------------------------------- signatures


def headers(task_id: str = "5c79xxxxbe8e", key: str = "k3y", stamp: int = NOW) -> dict[str, str]:
    return {"X-Webhook-Timestamp": str(stamp), "X-Webhook-Signature": sign(key, task_id, stamp)}


def test_signature_matches_the_documented_formula() -> None:
    import hashlib
    import hmac

    expected = base64.b64encode(hmac.new(b"k3y", b"t1.1700000000", hashlib.sha256).digest())
    assert sign("k3y", "t1", 1700000000) == expected.decode()
    # the stand-in's own signer (standard library, apart from the package) agrees
    assert signed_headers("k3y", "t1", 1700000000)["X-Webhook-Signature"] == expected.decode()


def test_good_signature_passes_and_header_case_does_not_matter() -> None:
    lower = {k.lower(): v for k, v in headers().items()}
    assert verify_signature("k3y", "5c79xxxxbe8e", lower, now=NOW + 10) == NOW
    body = example("callback-success-task_id-top.json")
    assert isinstance(parse_callback(body, headers(), hmac_key="k3y", now=NOW), Record)


@pytest.mark.parametrize(("change", "words"), [
    ({"X-Webhook-Signature": None}, "not signed"),
    ({"X-Webhook-Timestamp": None}, "not signed"),
    ({"X-Webhook-Timestamp": "17603353OO"}, "Unix seconds"),
    ({"X-Webhook-Timestamp": str(NOW * 1000)}, "Unix seconds"),
    ({"X-Webhook-Signature": "not base64!!"}, "not base64"),
    ({"X-Webhook-Signature": sign("other", "5c79xxxxbe8e", NOW)}, "does not match"),
    ({"X-Webhook-Signature": sign("k3y", "another-task", NOW)}, "does not match"),
])
def test_bad_signatures(change: dict[str, str | None], words: str) -> None:
    given = headers()
    for key, value in change.items():
        if value is None:
            del given[key]
        else:
            given[key] = value
    with pytest.raises(SignatureError, match=words) as caught:
        verify_signature("k3y", "5c79xxxxbe8e", given, now=NOW)
    assert "k3y" not in str(caught.value)
    assert sign("k3y", "5c79xxxxbe8e", NOW) not in str(caught.value)


@pytest.mark.parametrize("skew", [-301, 301, 86400])
def test_replay_window(skew: int) -> None:
    with pytest.raises(SignatureError, match="away from now"):
        verify_signature("k3y", "5c79xxxxbe8e", headers(), now=NOW + skew)
    verify_signature("k3y", "5c79xxxxbe8e", headers(), now=NOW + skew, max_age=abs(skew))


def test_url_safe_and_unpadded_base64_and_rotated_keys() -> None:
    signature = sign("k3y", "t", NOW)
    for variant in (signature.rstrip("="), signature.replace("+", "-").replace("/", "_")):
        given = {"X-Webhook-Timestamp": str(NOW), "X-Webhook-Signature": variant}
        verify_signature(["old", "k3y"], "t", given, now=NOW)
    with pytest.raises(ValueError):
        verify_signature("", "t", headers("t"), now=NOW)


def test_signature_checked_against_the_body_task_id() -> None:
    body = example("callback-success-task_id-top.json")
    with pytest.raises(SignatureError):
        parse_callback(body, headers(task_id="someone-else"), hmac_key="k3y", now=NOW)


def test_canonical_digest_ignores_key_order_and_spaces() -> None:
    a = json.loads('{"a": 1, "b": [1.5, "x"]}')
    b = json.loads('{ "b": [1.5,"x"],\n "a":1 }')
    assert canonical_digest(a) == canonical_digest(b)
    assert canonical_digest(a) != canonical_digest({"a": 2, "b": [1.5, "x"]})
