"""Command line entry point: the parser, the commands it dispatches to, the exit codes.

Only the cli package prints or exits. Exit codes: 0 every case MATCH/SKIP/KNOWN, 1 any
DIFF/FAIL/ERROR/FIXED, 2 spec or usage error, 130 interrupted. Each command lives in a
`cmd_*.py` module with a `register(sub)` that adds its parser and handler.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from types import FrameType
from typing import Any

from yamlparity._version import __version__
from yamlparity.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    INTERRUPT_SIGNALS,
    catch,
    silence_terminal,
    stop_services,
)
from yamlparity.core.errors import SpecError, UsageError, YamlparityError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command killed by it

# The command modules, in the order `--help` lists them; imported when a parser is built, so
# `yamlparity --version` loads none of them.
COMMANDS = (
    "cmd_run",
    "cmd_merge",
    "cmd_inspect",
    "cmd_context",
    "cmd_calibrate",
    "cmd_fuzz",
    "cmd_history",
    "cmd_record",
)
# The module that registers each subcommand: a command line naming one builds that one's
# parser alone (every module's options cost ~4 ms of a small run's ~35 ms of CPU).
COMMAND_MODULES = {
    "run": "cmd_run",
    "merge": "cmd_merge",
    "validate": "cmd_inspect",
    "list": "cmd_inspect",
    "schema": "cmd_inspect",
    "template-context": "cmd_context",
    "calibrate": "cmd_calibrate",
    "fuzz": "cmd_fuzz",
    "history": "cmd_history",
    "record": "cmd_record",
}


class _ArgumentParser(argparse.ArgumentParser):
    _command: str | None = None  # the subcommand whose arguments were left over

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        """As argparse's, remembering which subcommand the unrecognized arguments came with."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self._command = getattr(parsed, "command", None)
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def error(self, message: str) -> Any:
        hint = self._did_you_mean(message)
        raise UsageError(f"{message}{hint}\n{self._usage().rstrip()}")

    def _usage(self) -> str:
        """The usage of the subcommand the leftover arguments came with (`run --bogus`: run's
        options, not the list of commands), else this parser's."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and self._command is not None:
                command = action.choices.get(self._command)
                if command is not None:
                    return str(command.format_usage())
        return self.format_usage()

    def _did_you_mean(self, message: str) -> str:
        """` (did you mean --max-time?)` for an unrecognized option close to one the command
        takes (another subcommand's option is no help: it would be refused too)."""
        if not message.startswith("unrecognized arguments:"):
            return ""
        import difflib

        known = set(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, parser in action.choices.items():
                    if self._command is None or name == self._command:
                        known.update(parser._option_string_actions)
        for word in message.removeprefix("unrecognized arguments:").split():
            option = word.split("=")[0]
            # 0.7: `--bogus` is 0.62 like `--verbose`, no typo of it; `--temp` (0.75) and
            # `--report_dir` (0.92) are.
            close = difflib.get_close_matches(option, sorted(known - {option}), n=1, cutoff=0.7)
            if word.startswith("--") and close:
                return f" (did you mean {close[0]}?)"
        return ""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `command`, one that knows that subcommand only (its options,
    help and messages are the same: only the top level's list of commands is shorter)."""
    parser = _ArgumentParser(prog="yamlparity", description="Parity probes from YAML specs.")
    parser.add_argument("--version", action="version", version=f"yamlparity {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    for name in (COMMAND_MODULES[command],) if command else COMMANDS:
        import_module(f"yamlparity.cli.{name}").register(sub)
    return parser


def parse_command_line(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, parsed by the named subcommand's parser when the line starts with one;
    whatever that parser refuses is refused by the whole one, whose usage names every
    command, so each message is the one the whole parser gives."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0] in COMMAND_MODULES:
        with contextlib.suppress(UsageError):
            parsed: argparse.Namespace = build_parser(words[0]).parse_args(words)
            return parsed
    whole: argparse.Namespace = build_parser().parse_args(words)
    return whole


def main(argv: Sequence[str] | None = None) -> int:
    """The command line. Called without `argv` it is the program itself: it becomes the
    subreaper of everything it starts (targets/reaper.py), so nothing outlives it."""
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"yamlparity {__version__}")  # nothing else to load, nothing to reap
        return 0
    from yamlparity.core.redact import redacted_terminal
    from yamlparity.targets import reaper

    if argv is None:
        reaper.install()
        # SIGTERM and SIGHUP stop any command as Ctrl-C does (its services stopped, exit 130);
        # `run`, `fuzz` and `record` install their own handler, which reports what was done.
        # Left at their default, `calibrate` died on SIGTERM, and every command on SIGHUP,
        # and the services outlived it.
        for sig in INTERRUPT_SIGNALS:
            catch(sig, _interrupt)
    # Everything printed passes the secret boundary: messages, listings, progress, -v.
    with redacted_terminal():
        try:
            return _main(argv)
        finally:
            stop_services()
            reaper.kill_all()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C, SIGTERM or SIGHUP outside `run`, `fuzz` and `record`: a wait for a service to
    be ready ends too (it may run in another thread), then KeyboardInterrupt unwinds."""
    from yamlparity.targets import services

    services.interrupt_starts()
    raise KeyboardInterrupt


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = parse_command_line(argv)
        handler = args.handler
        return int(handler(args))
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, YamlparityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        stop_services()
        try:
            print("interrupted", file=sys.stderr)
        except OSError:  # the terminal hung up (SIGHUP)
            silence_terminal()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`yamlparity schema | head`): nothing to say, and nothing more
        # may reach the closed pipe when Python flushes stdout on exit.
        stop_services()
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a report folder that cannot be written, a full disk...
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
