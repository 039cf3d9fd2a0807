"""Every option a user can give on the command line is in docs/cli.md (and fuzz's in
docs/fuzzing.md): --help and the docs cannot drift apart."""

from __future__ import annotations

import argparse
import re

import pytest

from tests.support.paths import ROOT
from yamlparity.cli.main import build_parser

DOCS = {"fuzz": ROOT / "docs" / "fuzzing.md"}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_of_the_command_is_documented(command: str) -> None:
    docs = (ROOT / "docs" / "cli.md").read_text("utf-8")
    if command in DOCS:
        docs += DOCS[command].read_text("utf-8")
    missing = [
        action.option_strings[-1]
        for action in _commands()[command]._actions
        if action.option_strings and "--help" not in action.option_strings
        if not any(_mentioned(flag, docs) for flag in action.option_strings)
    ]
    assert missing == [], f"yamlparity {command}: {missing} not in the docs"


def _mentioned(flag: str, docs: str) -> bool:
    """`-q` or `--quiet` as a word of its own (not inside `--quiet-mode` or `x-q`)."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", docs) is not None
