"""The command as a group of verbs whose default verb is ``fetch``: the first version's
``fetch-mid TASK_ID`` and ``fetch-mid --from-json FILE`` keep working, word for word."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from midi_export.cli import cli
from midi_export.cli.app import LAZY_VERBS, load_verb
from midi_export.errors import ExitCode

from conftest import fixture_path, run_cli

DEMO = str(fixture_path("demo-song"))


def test_help_shows_the_default_verbs_options_and_lists_the_verbs(tmp_path: Path) -> None:
    result = run_cli(["--help"], tmp_path)
    assert result.exit_code == 0
    out = result.stdout
    assert "[OPTIONS] [TASK_ID]..." in out and "COMMAND [ARGS]..." in out
    assert "--from-json" in out and "--bpm" in out and "Examples:" in out
    commands = " ".join(out[out.index("Commands:"):].split())  # however the column wraps
    assert "fetch" in commands and "the default" in commands
    assert "generate" in commands and "serve" in commands
    # -h anywhere before "--" is the same help
    assert run_cli(["5c79be8e", "-h"], tmp_path).stdout == out


def test_the_verb_can_be_named(tmp_path: Path) -> None:
    implicit = run_cli(["--from-json", DEMO, "-o", "a.mid", "-q"], tmp_path)
    named = run_cli(["fetch", "--from-json", DEMO, "-o", "b.mid", "-q"], tmp_path)
    assert implicit.exit_code == named.exit_code == 0
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


def test_a_task_id_that_is_a_verb_is_fetched_through_the_named_verb(tmp_path: Path) -> None:
    result = run_cli(["fetch", "fetch"], tmp_path)  # no key in the environment
    assert result.exit_code == ExitCode.USAGE
    assert "no API key" in result.stderr


def test_the_default_verb_speaks_as_the_command_itself(tmp_path: Path) -> None:
    result = run_cli(["--no-such-option"], tmp_path)
    assert result.exit_code == ExitCode.USAGE
    assert "fetch-mid fetch" not in result.stderr and "cli fetch" not in result.stderr
    assert run_cli([], tmp_path).exit_code == ExitCode.USAGE


def test_the_verbs_are_click_commands_of_the_group() -> None:
    group = cast(click.Group, cli)
    with click.Context(group) as ctx:
        names = group.list_commands(ctx)
        assert names == sorted(names) and {"convert", "fetch", "generate", "serve"} <= set(names)
        for name in names:
            verb = group.get_command(ctx, name)
            assert isinstance(verb, click.Command) and verb.name == name


def test_the_lazy_verbs_short_help_is_each_verbs_own() -> None:
    # fetch-mid --help lists the lazy verbs from LAZY_VERBS without importing them
    assert set(LAZY_VERBS) == {"convert", "generate", "serve"}
    for name, short_help in LAZY_VERBS.items():
        verb = load_verb(name)
        assert verb.name == name
        assert verb.get_short_help_str(1000) == short_help
