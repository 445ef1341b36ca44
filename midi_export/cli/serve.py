"""``fetch-mid serve``: the callback receiver as a service (waitress), writing each delivered
record once into one folder; Ctrl-C, SIGTERM or SIGHUP drains the deliveries under way, exit 0.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .console import Console
from .options import DEFAULT_BASE_URL, conversion_options

__all__ = ["serve"]

TOKEN_ENV = "MIDI_EXPORT_SERVE_TOKEN"
HMAC_ENV = "MIDI_EXPORT_HMAC_KEY"

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

HELP = """Receive the API's callbacks and write each delivered record once.

Serves POST /callback/<token> (give that URL to the API as callBackUrl) and GET /healthz,
with waitress. Writes <task id>.mid and the raw JSON (and a failure's or a separation's
JSON) into --output, atomically, once per task, and nothing anywhere else. Bad JSON, an
unknown shape, a bad signature or an oversized body get 4xx with nothing written. One log
line per delivery on stderr. Ctrl-C, SIGTERM or SIGHUP: stop accepting, finish the deliveries under
way, exit 0. Behind a reverse proxy that terminates TLS, keep --host 127.0.0.1.
"""

EXAMPLES = """\b
Examples:
  fetch-mid serve -o midi/                      a new token, printed with the URL to use
  MIDI_EXPORT_SERVE_TOKEN=... MIDI_EXPORT_HMAC_KEY=... fetch-mid serve -o /srv/midi \\
      --public-url https://midi.example.org --bpm auto
  fetch-mid serve -o midi/ --chain --public-url https://midi.example.org   (a separation's
      callback creates its MIDI task; needs APIKLEY_API_KEY)

\b
Exit codes: 0 stopped by a signal, 2 usage (a bad option, the port in use), 8 the output
folder cannot be written, 130 a second Ctrl-C while draining.
"""


@click.command("serve", context_settings=_CONTEXT, help=HELP, epilog=EXAMPLES,
               short_help="Receive the API's callbacks; write each delivered record once.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free one).")
@click.option("-o", "--output", default=".", show_default=True, metavar="DIR",
              help="The folder every file is written into (created when missing).")
@click.option("--token", envvar=TOKEN_ENV, show_envvar=True, metavar="TOKEN",
              help="Secret path token, 16+ letters, digits, '-' or '_' (default: a new one, "
              "printed at start). Keep it stable: created tasks carry the URL.")
@click.option("--hmac-key", envvar=HMAC_ENV, show_envvar=True, metavar="KEY",
              help="kie.ai's webhook HMAC key: unsigned or badly signed deliveries get 401.")
@click.option("--max-age", default=300.0, show_default=True, type=click.FloatRange(1, 86400),
              metavar="SECONDS", help="Replay window of signed deliveries.")
@click.option("--public-url", metavar="URL",
              help="How the API reaches this server (https://host[/prefix]), for the printed "
              "callBackUrl and for --chain.")
@click.option("--max-body", default=64, show_default=True, type=click.IntRange(1, 1024),
              metavar="MB", help="Largest body accepted (413 above).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads.")
@click.option("--save-json/--no-save-json", default=True, show_default=True,
              help="Keep each raw body beside its .mid (it outlives the API's 14 days).")
@click.option("--chain", is_flag=True,
              help="A separation's callback creates its MIDI task (needs the API key and "
              "--public-url).")
@conversion_options
@click.option("--api-key", envvar="APIKLEY_API_KEY", show_envvar=True, metavar="KEY",
              help="API key, for --chain only.")
@click.option("--base-url", envvar="APIKLEY_BASE_URL", show_envvar=True,
              default=DEFAULT_BASE_URL, show_default=True, metavar="URL",
              help="API server, for --chain.")
@click.option("--request-timeout", default=30.0, show_default=True,
              type=click.FloatRange(1, 600), metavar="SECONDS", help="For --chain.")
@click.option("--retries", default=4, show_default=True, type=click.IntRange(0, 20),
              help="For --chain (a create is retried only when it cannot have arrived).")
@click.option("-q", "--quiet", is_flag=True, help="Log only warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log everything (waitress's too).")
def serve(**options: Any) -> None:
    """Receive the API's callbacks (see the help text above)."""
    from . import signals
    from .results import report_exception

    console = Console(quiet=options["quiet"], verbose=options["verbose"])
    try:
        signals.release()
        code = _run(options, console)
    except KeyboardInterrupt:  # a second Ctrl-C while draining
        console.error("stopped before the deliveries under way had finished")
        code = 130
    except Exception as exc:
        code = report_exception(exc, console, options)
    signals.settle()
    sys.exit(code)


def _run(options: dict[str, Any], console: Console) -> int:
    import logging
    import os

    from ..api.client import Client
    from ..api.service import chain_midi, make_wsgi_app, new_token
    from ..errors import UsageError
    from .grid_options import check_grid_combinations
    from .results import convert_options

    grid_problem = check_grid_combinations(options)  # in the words of the other verbs
    if grid_problem:
        raise UsageError(grid_problem)
    logging.basicConfig(
        level=logging.DEBUG if options["verbose"] else
        logging.WARNING if options["quiet"] else logging.INFO,
        stream=sys.stderr, format="%(asctime)s %(message)s",
    )
    # waitress warns "Task queue depth is N" for each queued request under load: noise in a
    # service log, where the per-delivery ms already shows the queueing
    if not options["verbose"]:
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    token = options["token"] or new_token()
    public = (options["public_url"] or "").rstrip("/")
    client: Client | None = None
    on_separation = None
    if options["chain"]:
        api_key = (options["api_key"] or "").strip()
        if not public:
            raise UsageError("--chain needs --public-url (where the API sends callbacks)")
        if not api_key:
            raise UsageError("--chain needs the API key: set APIKLEY_API_KEY or --api-key")
        client = Client(api_key, base_url=options["base_url"],
                        request_timeout=options["request_timeout"],
                        max_retries=options["retries"])
        on_separation = chain_midi(client, f"{public}/callback/{token}")
    max_body = options["max_body"] * 1024 * 1024
    app = make_wsgi_app(options["output"], token=token, hmac_key=options["hmac_key"] or None,
                        max_age=options["max_age"], max_body_bytes=max_body,
                        save_json=options["save_json"], on_separation=on_separation,
                        **convert_options(options))
    from ..api.server import serve as run_server

    def ready(server: Any) -> None:
        console.info(f"listening on {server.url}; writing into "
                     f"{os.path.abspath(options['output'])}")
        from .stdout import Stdout

        Stdout("the callBackUrl").write_text(f"callBackUrl: {public or server.url}{app.path}\n")

    try:
        return run_server(app, options["host"], options["port"], threads=options["threads"],
                          max_body_bytes=max_body, on_ready=ready)
    except OSError as exc:  # the port is taken, the address is not this machine's
        raise UsageError(f"cannot listen on {options['host']}:{options['port']}: "
                         f"{exc.strerror or exc}") from None
    finally:
        if client is not None:
            client.close()
