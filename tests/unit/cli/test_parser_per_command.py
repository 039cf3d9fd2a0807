"""A command line naming a subcommand is parsed by that subcommand's parser alone
(cli/main.py): the same arguments, the same messages as the whole parser."""

from __future__ import annotations

import argparse

import pytest

from yamlparity.cli.main import COMMAND_MODULES, COMMANDS, build_parser, parse_command_line
from yamlparity.core.errors import UsageError


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_subcommand_is_mapped_to_the_module_that_registers_it() -> None:
    whole = _choices(build_parser())
    assert sorted(COMMAND_MODULES) == sorted(whole)
    assert set(COMMAND_MODULES.values()) == set(COMMANDS)
    for command in whole:
        assert command in _choices(build_parser(command)), command


@pytest.mark.parametrize(
    "words",
    [
        ["run", "specs/", "-j", "3", "-k", "a and not b", "--format", "md,json", "-q"],
        ["merge", "s1", "s2", "--report-dir", "out"],
        ["validate", "a.yaml"],
        ["list", "specs"],
        ["fuzz", "s.yaml", "--max-examples", "5"],
        ["template-context", "s.yaml"],
    ],
)
def test_one_subcommand_parses_as_the_whole_parser_does(words: list[str]) -> None:
    assert vars(parse_command_line(words)) == vars(build_parser().parse_args(words))


@pytest.mark.parametrize(
    "words",
    [
        ["run", "--jbos", "2", "s.yaml"],  # close to an option of run
        ["validate", "--jobs", "2"],  # run's option, not validate's
        ["run", "-j", "many", "s.yaml"],  # a value of the wrong type
        ["rn", "s.yaml"],  # not a command
        ["run", "s.yaml", "--vrbose"],
    ],
)
def test_a_refused_line_gets_the_whole_parsers_message(words: list[str]) -> None:
    with pytest.raises(UsageError) as whole:
        build_parser().parse_args(words)
    with pytest.raises(UsageError) as one:
        parse_command_line(words)
    assert str(one.value) == str(whole.value)
