"""The README's commands work as typed: its curl lines send what the server expects (a URL curl passes on as it
is, with anything not ASCII left to ``--data-urlencode``), and every ``gongkai …`` command it shows is one the
command line accepts. No service runs: the commands are parsed, not run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from gongkai.cli import main as cli

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")


def shell_lines() -> list[str]:
    """Each command of the README's ``sh`` blocks, continuation lines joined, comments dropped."""
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for language, body in FENCE.findall(text):
        if language != "sh":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(shlex.join(words))
    return lines


def prose_commands() -> list[str]:
    """The ``gongkai …`` commands quoted in the README's prose (outside the code blocks)."""
    text = FENCE.sub("", README.read_text(encoding="utf-8"))
    return [span for span in INLINE.findall(text) if span.startswith("gongkai ")]


def commands(program: str) -> list[list[str]]:
    found = [shlex.split(line) for line in [*shell_lines(), *prose_commands()]]
    return [[w for w in words if w != "&"] for words in found if words[0] == program]


def test_the_readme_shows_commands_to_check():
    assert len(commands("curl")) >= 2 and len(commands("gongkai")) >= 15


@pytest.mark.parametrize("words", commands("curl"), ids=shlex.join)
def test_every_curl_line_passes_a_url_curl_sends_as_it_is(words):
    urls = [w for w in words if w.startswith(("http://", "https://"))]
    assert urls, "a curl line without a URL"
    for url in urls:
        assert url.isascii() and " " not in url, f"{url}: curl sends it unencoded; use -G --data-urlencode"
    if any(w.startswith("--data-urlencode") for w in words):
        assert {"-G", "--get"} & set(words), "--data-urlencode without -G sends a POST"


@pytest.mark.parametrize("words", commands("gongkai"), ids=shlex.join)
def test_every_gongkai_command_in_the_readme_is_accepted_by_the_command_line(words, capsys):
    try:
        args = cli._parser().parse_args(words[1:])
    except SystemExit as exc:
        pytest.fail(f"gongkai refuses {shlex.join(words)!r}: {capsys.readouterr().err.strip()} (exit {exc.code})")
    assert hasattr(args, "func"), f"{shlex.join(words)!r} names no command, only prints help"
