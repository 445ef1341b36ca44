"""The receiver served by waitress on 127.0.0.1: every shape, duplicates, refusals, races."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from midi_export.api import deliveries
from midi_export.api.callbacks import sign
from midi_export.api.client import Client
from midi_export.api.server import CallbackServer
from midi_export.api.service import CallbackApp, chain_midi, make_wsgi_app
from midi_export.errors import OutputError, UsageError
from midi_export.paths import task_file_stem
from midi_export.testing import FakeLoopAPI, midi_callback_body, separation_callback_body

from conftest import fixture_path

TOKEN = "tok_0123456789abcdef"
HMAC_KEY = "hmac-key-for-tests"


@contextmanager
def served(app: CallbackApp, threads: int = 4) -> Iterator[str]:
    server = CallbackServer(app, "127.0.0.1", 0, threads=threads,
                            max_body_bytes=app.max_body_bytes)
    thread = threading.Thread(target=server.run, kwargs={"shutdown_timeout": 5}, daemon=True)
    thread.start()
    try:
        yield server.url + app.path
    finally:
        server.request_stop()
        thread.join(10)
        app.close()
        assert not thread.is_alive()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def example(name: str) -> bytes:
    return fixture_path(name).read_bytes()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def test_every_shape_over_http(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    with served(app) as url:
        answers = {name: requests.post(url, data=example(name), timeout=10) for name in (
            "callback-success-task_id-top.json", "callback-failed-null-data.json",
            "midi-generate-created.json")}
        sep = requests.post(url, data=separation_callback_body("sep-1"), timeout=10)
        sep_failed = requests.post(url, data=separation_callback_body("sep-2", fail=True),
                                   timeout=10)
    assert all(a.status_code == 200 for a in answers.values())
    assert answers["callback-success-task_id-top.json"].json()["msg"] == "written"
    assert answers["callback-failed-null-data.json"].json()["msg"] == "failed"
    assert sep.json()["msg"] == "separation" and sep_failed.json()["msg"] == "failed"
    assert files(out) == ["5c79xxxxbe8e.failed.json", "5c79xxxxbe8e.json", "5c79xxxxbe8e.mid",
                          "sep-1.separation.json", "sep-2.separation.json"]
    assert (out / "5c79xxxxbe8e.json").read_bytes() == example(
        "callback-success-task_id-top.json")  # the raw body, byte for byte
    assert (out / "5c79xxxxbe8e.mid").read_bytes()[:4] == b"MThd"


def test_failure_first_then_success_still_writes_the_midi(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    assert app.handle(example("callback-failed-taskId-in-data.json")).outcome == "failed"
    assert app.handle(example("callback-success-taskId-in-data.json")).outcome == "written"
    assert "5c79xxxxbe8e.mid" in files(out)


def test_duplicates_and_conflicts(out: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    body = example("callback-success-task_id-top.json")
    reordered = json.dumps(dict(reversed(list(json.loads(body).items())))).encode()
    changed = json.loads(body)
    changed["data"]["instruments"][0]["notes"][0]["pitch"] = 74
    caplog.set_level(logging.INFO, "midi_export.serve")
    with served(app) as url:
        first = requests.post(url, data=body, timeout=10).json()["msg"]
        mid = (out / "5c79xxxxbe8e.mid").stat()
        again = requests.post(url, data=body, timeout=10).json()["msg"]
        same = requests.post(url, data=reordered, timeout=10).json()["msg"]
        other = requests.post(url, data=json.dumps(changed), timeout=10).json()["msg"]
        other_again = requests.post(url, data=json.dumps(changed), timeout=10).json()["msg"]
    assert (first, again, same, other, other_again) == (
        "written", "duplicate", "duplicate", "conflict", "conflict")
    dup = [name for name in files(out) if ".dup-" in name]
    assert len(dup) == 1 and json.loads((out / dup[0]).read_bytes()) == changed
    after = (out / "5c79xxxxbe8e.mid").stat()
    assert (after.st_ino, after.st_mtime_ns) == (mid.st_ino, mid.st_mtime_ns)
    conflict_lines = [r for r in caplog.records if "outcome=conflict" in r.getMessage()]
    assert conflict_lines[0].levelno == logging.WARNING and "kept" in conflict_lines[0].getMessage()


@pytest.mark.parametrize(("body", "status", "outcome"), [
    (b"{not json", 400, "bad-json"),
    (b"", 400, "bad-json"),
    (b'{"code": 200, "data": {"foo": 1}}', 422, "unknown-shape"),
    (b'{"code": 401, "msg": "nope", "data": null}', 422, "unknown-shape"),
    (b"[]", 422, "unknown-shape"),
])
def test_refused_bodies_write_nothing(out: Path, body: bytes, status: int, outcome: str) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    with served(app) as url:
        answer = requests.post(url, data=body, timeout=10)
    assert (answer.status_code, answer.json()["msg"]) == (status, outcome)
    assert files(out) == []


def test_routes_token_methods_and_healthz(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    body = example("callback-success-task_id-top.json")
    with served(app) as url:
        base = url[: -len(app.path)]
        assert requests.get(base + "/healthz", timeout=10).text == "ok\n"
        assert requests.post(base + "/healthz", timeout=10).status_code == 405
        assert requests.post(base + "/callback/" + "x" * len(TOKEN), data=body,
                             timeout=10).status_code == 404
        assert requests.post(base + "/callback", data=body, timeout=10).status_code == 404
        assert requests.post(base + "/callback/" + TOKEN + "/../x", data=body,
                             timeout=10).status_code == 404
        got = requests.get(url, timeout=10)
        assert got.status_code == 405 and got.headers["Allow"] == "POST"
        assert requests.post(url + "/", data=body, timeout=10).status_code == 200
    assert files(out) == ["5c79xxxxbe8e.json", "5c79xxxxbe8e.mid"]


def test_size_limit_with_and_without_length(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN, max_body_bytes=2048)
    big = b'{"code": 200, "data": {"taskId": "big", "pad": "' + b"x" * 4096 + b'"}}'
    with served(app) as url:
        assert requests.post(url, data=big, timeout=10).status_code == 413
        chunked = requests.post(url, data=iter([big[:1000], big[1000:]]), timeout=10)
        assert chunked.status_code == 413
        small = requests.post(url, data=iter([example("callback-failed-null-data.json")]),
                              timeout=10)
        assert small.status_code == 200
    assert files(out) == ["5c79xxxxbe8e.failed.json"]
    assert app.handle(big).status == 413  # the WSGI app enforces it too, in any host


def test_signatures(out: Path) -> None:
    now = [1_760_335_300.0]
    app = CallbackApp(out, token=TOKEN, hmac_key=HMAC_KEY, clock=lambda: now[0])
    body = example("callback-success-task_id-top.json")
    stamp = int(now[0])

    def signed(key: str = HMAC_KEY, task: str = "5c79xxxxbe8e", at: int = stamp) -> dict[str, str]:
        return {"X-Webhook-Timestamp": str(at), "X-Webhook-Signature": sign(key, task, at)}

    with served(app) as url:
        assert requests.post(url, data=body, timeout=10).status_code == 401  # unsigned
        assert requests.post(url, data=body, headers=signed("wrong"), timeout=10).status_code == 401
        assert requests.post(url, data=body, headers=signed(task="other"),
                             timeout=10).status_code == 401
        assert requests.post(url, data=body, headers=signed(at=stamp - 301),
                             timeout=10).status_code == 401
        assert files(out) == []
        assert requests.post(url, data=body, headers=signed(), timeout=10).status_code == 200
        now[0] += 60  # the same signed request replayed a minute later: a duplicate
        replay = requests.post(url, data=body, headers=signed(), timeout=10)
        assert replay.json()["msg"] == "duplicate"
    assert files(out) == ["5c79xxxxbe8e.json", "5c79xxxxbe8e.mid"]


@pytest.mark.parametrize("task_id", [
    "../../../tmp/evil", "..", ".", "a/b\\c", "/etc/passwd", "CON", "nul.txt", ".hidden",
    "x.dup-0123456789ab", "con.mid", "名前", "-rf", "a" * 200, "x" * 150 + "/..",
])
def test_task_ids_are_data_never_paths(out: Path, task_id: str) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    body = midi_callback_body(task_id)
    assert app.handle(body).outcome == "written"
    assert app.handle(midi_callback_body(task_id, fail=True)).outcome == "failed"
    created = list(out.iterdir())
    assert len(created) == 3
    for path in created:
        assert path.parent == out and not path.name.startswith((".", "-"))
        assert path.name.count(".") in (1, 2) and "/" not in path.name
    assert not Path("/tmp/evil.mid").exists()


def test_odd_ids_that_look_alike_get_different_files() -> None:
    stems = {task_file_stem(i) for i in ("a/b", "a_b", "a b", "a.b", "a..b")}
    assert len(stems) == 5 and "a_b" in stems
    assert task_file_stem("5c79be8e") == "5c79be8e"
    assert task_file_stem("e231xxxx-xxxx-8cadc7dc") == "e231xxxx-xxxx-8cadc7dc"


def test_concurrent_duplicates_across_two_instances_write_once(out: Path) -> None:
    apps = [make_wsgi_app(out, token=TOKEN), make_wsgi_app(out, token=TOKEN)]
    body = example("callback-success-taskId-in-data.json")
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def post(url: str) -> None:
        barrier.wait()
        outcomes.append(requests.post(url, data=body, timeout=20).json()["msg"])

    with served(apps[0], threads=8) as url_a, served(apps[1], threads=8) as url_b:
        workers = [threading.Thread(target=post, args=(url_a if i % 2 else url_b,))
                   for i in range(16)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert sorted(outcomes) == ["duplicate"] * 15 + ["written"]
    assert sorted(p.name for p in out.iterdir()) == ["5c79xxxxbe8e.json", "5c79xxxxbe8e.mid"]


def test_missing_midi_after_a_crash_is_made_by_the_next_delivery(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    body = example("callback-success-task_id-top.json")
    out.mkdir(exist_ok=True)
    (out / "5c79xxxxbe8e.json").write_bytes(body)  # the json was kept, then the process died
    assert app.handle(body).outcome == "written"
    assert app.handle(body).outcome == "duplicate"


def test_empty_midi_keeps_the_json_only(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN)
    body = example("record-info-empty-midi.json")
    assert app.handle(body).outcome == "empty"
    assert app.handle(body).outcome == "duplicate"
    assert files(out) == ["5c79xxxxbe8e.json"]


def test_disk_trouble_answers_503_so_the_provider_retries(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_wsgi_app(out, token=TOKEN)

    def refuse(*args: object, **kw: object) -> None:
        raise OutputError("cannot write: No space left on device")

    monkeypatch.setattr(deliveries, "write_new", refuse)
    with served(app) as url:
        answer = requests.post(url, data=example("callback-success-task_id-top.json"),
                               timeout=10)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert files(out) == []


def test_no_save_json_writes_only_midi(out: Path) -> None:
    app = make_wsgi_app(out, token=TOKEN, save_json=False)
    assert app.handle(example("callback-success-task_id-top.json")).outcome == "written"
    assert app.handle(example("callback-success-task_id-top.json")).outcome == "duplicate"
    assert app.handle(example("callback-failed-null-data.json")).outcome == "failed"
    assert files(out) == ["5c79xxxxbe8e.mid"]


def test_one_log_line_per_delivery_without_secrets(
    out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_wsgi_app(out, token=TOKEN, hmac_key=HMAC_KEY)
    caplog.set_level(logging.INFO, "midi_export.serve")
    with served(app) as url:
        requests.post(url, data=b"{}", timeout=10)
        requests.post(url, data=midi_callback_body("evil\u2028id x"), timeout=10)
        requests.post(url[:-3] + "nop", data=b"{}", timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "midi_export.serve"]
    assert len(lines) == 3
    assert all(line.startswith("delivery task=") and " ms=" in line for line in lines)
    assert "outcome=not-found status=404" in lines[2]
    assert "outcome=bad-signature status=401" in lines[1]
    text = "\n".join(lines)
    assert TOKEN not in text and HMAC_KEY not in text and "\u2028" not in text


def test_conversion_options_are_checked_at_start(out: Path) -> None:
    with pytest.raises(UsageError):
        make_wsgi_app(out, token=TOKEN, bpm=-5)
    with pytest.raises(UsageError, match="unknown conversion option"):
        make_wsgi_app(out, token=TOKEN, tempo=120)
    with pytest.raises(UsageError, match="token"):
        make_wsgi_app(out, token="short")
    app = make_wsgi_app(out, token=TOKEN, bpm=90, ppq=960)
    assert app.handle(example("callback-success-task_id-top.json")).outcome == "written"


def test_chain_creates_the_midi_task_once_and_the_loop_closes(out: Path) -> None:
    """The whole push loop offline: separation callback -> MIDI task -> MIDI callback."""
    with FakeLoopAPI(api_key="test-key-0123456789", complete_after=0.2, duplicates=2,
                     separation_polls=0, midi_polls=0) as api:
        client = Client("test-key-0123456789", base_url=api.base_url)
        holder: dict[str, str] = {}

        def chain(done: object) -> str | None:
            return chain_midi(client, holder["url"])(done)  # type: ignore[arg-type]

        apps = [make_wsgi_app(out, token=TOKEN, on_separation=chain) for _ in range(2)]
        with served(apps[0]) as url, served(apps[1]) as url_b:
            holder["url"] = url
            sep = client.create_separation("music-1", "track-1", callback_url=url_b)
            deliveries = api.wait_for_deliveries(6, timeout=15)  # 3 separation + 3 MIDI
            for _ in range(100):
                if (out / "midi-0002.mid").exists():
                    break
                threading.Event().wait(0.05)
        client.close()
    midi_created = [w for w in api.created if w.kind == "midi"]
    assert len(midi_created) == 1 and midi_created[0].payload["taskId"] == sep.task_id
    assert all(d.status == 200 for d in deliveries)
    assert files(out) == ["midi-0002.json", "midi-0002.mid", f"{sep.task_id}.chain.json",
                          f"{sep.task_id}.separation.json"]
    note = json.loads((out / f"{sep.task_id}.chain.json").read_bytes())
    assert note == {"separationTaskId": sep.task_id, "midiTaskId": "midi-0002"}


def test_nothing_is_written_outside_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    app = make_wsgi_app(out, token=TOKEN)
    for name in ("callback-success-task_id-top.json", "callback-failed-null-data.json"):
        app.handle(example(name))
    app.handle(separation_callback_body("s"))
    everything = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert everything and all(p.parent == out for p in everything)
    assert not any(name.endswith(".tmp") for name in os.listdir(out))
