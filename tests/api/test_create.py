"""Creating work against the stand-in on 127.0.0.1: a billed POST is never retried blindly."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest

from midi_export.api.client import Client
from midi_export.api.create import PLACEHOLDER_CALLBACK_URL
from midi_export.api.separation import SeparationStatus
from midi_export.errors import (
    AccountError,
    AuthenticationError,
    CreateUncertainError,
    RateLimitedError,
    ServiceError,
    TaskFailedError,
    TaskNotFoundError,
    TaskPendingError,
    UsageError,
)
from midi_export.testing import (
    CREATE_THEN_DROP,
    CREATE_THEN_ERROR,
    FakeLoopAPI,
    body_code,
    http_error,
    pending,
    redirect,
    respond,
    success,
)

from conftest import fixture_path

KEY = "test-key-0123456789"


@pytest.fixture
def api() -> Iterator[FakeLoopAPI]:
    with FakeLoopAPI(api_key=KEY, separation_polls=2, midi_polls=2) as server:
        yield server


def client_for(api: FakeLoopAPI, **kw: object) -> Client:
    options: dict[str, object] = {"sleep": lambda s: None, "max_retries": 3,
                                  "not_found_grace": 0, **kw}
    return Client(KEY, base_url=api.base_url, **options)  # type: ignore[arg-type]


def posts(api: FakeLoopAPI) -> int:
    return api.posts()


def test_create_separation_sends_the_documented_body(api: FakeLoopAPI) -> None:
    with client_for(api) as client:
        created = client.create_separation("music-1", "track-1")
    assert created.kind == "separation" and created.task_id.startswith("sep-")
    assert api.billed == 1
    assert dict(api.created[0].payload) == {"taskId": "music-1", "audioId": "track-1",
                                            "type": "split_stem",
                                            "callBackUrl": PLACEHOLDER_CALLBACK_URL}


def test_rate_limit_and_maintenance_codes_are_retried_and_bill_once(api: FakeLoopAPI) -> None:
    api.script_create("separation", [body_code(430, retry_after=0), body_code(405),
                                     body_code(455, retry_after=0)])
    slept: list[float] = []
    with client_for(api, sleep=slept.append) as client:
        created = client.create_separation("music-1", "track-1", "separate_vocal")
    assert created.attempts == 4 and posts(api) == 4 and api.billed == 1
    assert slept[0] == 0 and slept[2] == 0  # Retry-After honoured


def test_rate_limits_outlasting_the_retries_create_nothing(api: FakeLoopAPI) -> None:
    api.script_create("separation", [body_code(430)] * 10)
    with client_for(api, max_retries=2) as client, pytest.raises(RateLimitedError) as caught:
        client.create_separation("music-1", "track-1")
    assert "no separation was created" in str(caught.value)
    assert posts(api) == 3 and api.billed == 0


def test_http_429_without_envelope_is_retried(api: FakeLoopAPI) -> None:
    api.script_create("midi", [http_error(429, retry_after=0)])
    api.add_separation("sep-done")
    with client_for(api) as client:
        assert client.create_midi_task("sep-done").kind == "midi"
    assert posts(api) == 2


@pytest.mark.parametrize(("cue", "error"), [
    (body_code(429), AccountError),  # sunoapi.org: 429 about credits
    (body_code(402), AccountError),
    (body_code(401), AuthenticationError),
    (body_code(422, "audioId is invalid"), UsageError),
    (body_code(501, "generation failed"), TaskFailedError),
])
def test_final_answers_are_not_retried(api: FakeLoopAPI, cue: object, error: type) -> None:
    api.script_create("separation", [cue])  # type: ignore[list-item]
    with client_for(api) as client, pytest.raises(error):
        client.create_separation("music-1", "track-1")
    assert posts(api) == 1 and api.billed == 0


@pytest.mark.parametrize("cue", [CREATE_THEN_DROP, CREATE_THEN_ERROR, http_error(502),
                                 http_error(504), body_code(500), body_code(200, "ok")])
def test_answers_after_the_request_may_have_landed_are_uncertain(
    api: FakeLoopAPI, cue: object
) -> None:
    api.script_create("separation", [cue])  # type: ignore[list-item]
    with client_for(api) as client, pytest.raises(CreateUncertainError) as caught:
        client.create_separation("music-1", "track-1")
    assert posts(api) == 1  # never sent twice
    assert "look at your tasks" in str(caught.value) and caught.value.may_have_created
    assert isinstance(caught.value, ServiceError)


def test_read_timeout_is_uncertain(api: FakeLoopAPI) -> None:
    api.script_create("separation", [dataclasses.replace(body_code(200), delay=1.5)])
    with client_for(api, request_timeout=0.3) as client, \
            pytest.raises(CreateUncertainError, match="no answer within"):
        client.create_separation("music-1", "track-1")
    assert posts(api) == 1


def test_connection_refused_is_retried_because_nothing_was_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nobody listens
    slept: list[float] = []
    client = Client(KEY, base_url=f"http://127.0.0.1:{port}", sleep=slept.append,
                        max_retries=2)
    with client, pytest.raises(ServiceError) as caught:
        client.create_separation("music-1", "track-1")
    assert not isinstance(caught.value, CreateUncertainError)
    assert caught.value.attempts == 3 and len(slept) == 2
    assert "no separation was created" in str(caught.value)


def test_redirect_of_a_billed_post_is_not_followed(api: FakeLoopAPI) -> None:
    api.script_create("separation", [redirect("http://127.0.0.1:1/elsewhere", 307)])
    with client_for(api) as client, pytest.raises(ServiceError, match="redirect"):
        client.create_separation("music-1", "track-1")
    assert posts(api) == 1


def test_the_key_never_shows_in_errors(api: FakeLoopAPI) -> None:
    api.script_create("separation", [body_code(500, f"bad request from {KEY}")])
    with client_for(api) as client, pytest.raises(CreateUncertainError) as caught:
        client.create_separation("music-1", "track-1")
    assert KEY not in str(caught.value) and "***" in str(caught.value)
    assert KEY not in repr(client)


def test_usage_errors_before_anything_is_sent(api: FakeLoopAPI) -> None:
    with client_for(api) as client:
        with pytest.raises(UsageError, match="separation type"):
            client.create_separation("m", "t", "karaoke")
        with pytest.raises(UsageError, match="callback URL"):
            client.create_separation("m", "t", callback_url="ftp://x/y")
        with pytest.raises(UsageError, match="control"):
            client.create_midi_task("sep\n1")
        with pytest.raises(UsageError, match="stem name"):
            client.create_separation("m", "t", "split_stem_advanced")
    assert posts(api) == 0


def test_wait_for_separation_then_midi(api: FakeLoopAPI) -> None:
    polls: list[tuple[SeparationStatus, float]] = []
    with client_for(api) as client:
        sep = client.create_separation("music-1", "track-1",
                                       callback_url="https://example.org/cb")
        done = client.wait_for_separation(sep.task_id,
                                          on_poll=lambda s, t: polls.append((s.status, t)))
        assert [s for s, _ in polls] == [SeparationStatus.PENDING] * 2 + [
            SeparationStatus.SUCCESS]
        assert [stem.name for stem in done.stems] == ["Vocals", "Drums", "Bass", "Keyboard"]
        bass = done.stem("bass")
        midi = client.create_midi_task(done.task_id, audio_id=bass.id,
                                       callback_url="https://example.org/cb")
        record = client.wait_for_record(midi.task_id)
    assert record.task_id == midi.task_id and record.note_count > 0
    assert api.created[1].payload["audioId"] == bass.id


def test_midi_from_a_pending_separation_is_refused(api: FakeLoopAPI) -> None:
    with client_for(api) as client:
        sep = client.create_separation("music-1", "track-1")
        with pytest.raises(UsageError, match="not complete"):
            client.create_midi_task(sep.task_id)


def test_failed_separation(api: FakeLoopAPI) -> None:
    api.fail_next_separation()
    with client_for(api) as client:
        sep = client.create_separation("music-1", "track-1")
        with pytest.raises(TaskFailedError) as caught:
            client.wait_for_separation(sep.task_id)
    assert caught.value.status == "GENERATE_AUDIO_FAILED"
    assert "audio too short" in str(caught.value)


def test_separation_deadline_and_unknown_task(api: FakeLoopAPI) -> None:
    with client_for(api) as client:
        sep = client.create_separation("music-1", "track-1")
        with pytest.raises(TaskPendingError) as caught:
            client.wait_for_separation(sep.task_id, timeout=0)
        assert caught.value.task_id == sep.task_id
        with pytest.raises(TaskNotFoundError):
            client.get_separation("nope")


def test_the_post_carries_the_key_the_agent_and_json(api: FakeLoopAPI) -> None:
    with client_for(api) as client:
        client.create_separation("m", "t")
    (post,) = [r for r in api.requests if r.method == "POST"]
    assert post.authorized and post.path == "/api/v1/vocal-removal/generate"
    assert post.headers["Content-Type"] == "application/json"
    assert (post.user_agent or "").startswith("midi-export/")
    assert KEY not in repr(post)


def test_a_created_midi_task_can_still_be_scripted(api: FakeLoopAPI) -> None:
    api.add_separation("sep-done")
    with client_for(api) as client:
        midi = client.create_midi_task("sep-done")
        api.script(midi.task_id, [pending(), success()])
        record = client.wait_for_record(midi.task_id, poll_interval=1)
    assert record.task_id == midi.task_id
    assert len(api.requests_for(midi.task_id)) == 2


def test_the_separation_status_is_retried_like_any_get(api: FakeLoopAPI) -> None:
    """Asking creates nothing: a 502 or a rate limit on the status is simply retried."""
    api.script("3e63****f0a1", [http_error(502), body_code(430, retry_after=0),
                                respond(200, fixture_path("vocal-removal-record-info-success")
                                        .read_bytes(), content_type="application/json")])
    with client_for(api) as client:
        separation = client.get_separation("3e63****f0a1")
    assert separation.usable and separation.status is SeparationStatus.SUCCESS
    assert [s.name for s in separation.stems] == ["Vocals", "Drums", "Bass"]
    assert separation.stem("drums").id == "a1b2****0002"
    assert len(api.requests_for("3e63****f0a1")) == 3


@pytest.mark.parametrize(("name", "status", "error"), [
    ("vocal-removal-record-info-pending", SeparationStatus.PENDING, TaskPendingError),
    ("vocal-removal-record-info-failed", SeparationStatus.GENERATE_AUDIO_FAILED,
     TaskFailedError),
])
def test_the_documented_separation_answers(
    api: FakeLoopAPI, name: str, status: SeparationStatus, error: type
) -> None:
    api.script("3e63****f0a1", [respond(200, fixture_path(name).read_bytes(),
                                        content_type="application/json")])
    with client_for(api) as client:
        separation = client.get_separation("3e63****f0a1")
        assert separation.status is status and not separation.usable
        with pytest.raises(error):
            separation.raise_for_status()
