"""Fuzz targets of the hostile suite (bounded, so they stay fast): the loader on hostile
scalars and nesting, the rule parser, the `-k` parser, and the Redactor on secrets written
with a different encoding for each character.

Invariants: the loader returns a Spec or raises SpecError; a rule compiles or raises
RuleError; `-k` compiles (and its matcher answers) or raises UsageError; a secret, however
each of its characters is encoded, leaves no character run of it behind.
"""

from __future__ import annotations

import atexit
import base64
import json
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlparity.core.errors import RuleError, SpecError, UsageError
from yamlparity.core.redact import MASK, Redactor
from yamlparity.rules.normalize import compile_rule
from yamlparity.spec.load import load_spec
from yamlparity.spec.select import compile_selection

EXAMPLES = 60  # per property: six properties, a few seconds in all
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_DIR = Path(tempfile.mkdtemp(prefix="yamlparity-hostile-fuzz-"))
atexit.register(shutil.rmtree, _DIR, True)  # one folder per process, else left in /tmp

SPEC = """\
name: fuzz
targets:
  a: {{run: [cat], max_output: {number}}}
  b: {{run: [cat]}}
cases:
  - {{name: one, input: {value}}}
"""

_SCALARS = st.one_of(
    st.sampled_from([1, 17, 3600, 3700, 6000]).map(lambda n: "0x" + "f" * n),
    st.sampled_from([1, 22, 4800, 6000]).map(lambda n: "0o" + "7" * n),
    st.sampled_from([1, 19, 4300, 4301, 6000]).map(lambda n: "9" * n),
    st.integers(min_value=0, max_value=0x7FFFFFFF).map(lambda n: f'"\\U{n:08X}"'),
    st.integers(min_value=1, max_value=200).map(lambda n: "[" * n + "1" + "]" * n),
    st.text(max_size=40).map(json.dumps),
    st.sampled_from(["1e400", "-0", ".inf", "!!binary aGk=", "*x", "&a [*a]", "~", "0x", "1_0"]),
)


@FAST
@given(number=_SCALARS, value=_SCALARS)
def test_loader_survives_hostile_scalars(number: str, value: str) -> None:
    path = _DIR / "spec.yaml"
    path.write_text(SPEC.format(number=number, value=value), "utf-8", errors="surrogatepass")
    try:
        load_spec(path)
    except SpecError as exc:
        assert exc.location is not None
        assert "Traceback" not in exc.render()


_RULE_TOKENS = st.sampled_from(
    [".", "..", "a", "[", "]", "[0]", "[200000000]", "|", "=", "|=", "del(", ")", "(", '"x"',
     "scrub(", ";", '"(a+)+$"', "uuid", "?", ",", "{", "}", ":", "map(", "select(", "==",
     "1e999", "-", "not", "and", "or", "\\", "$", "..a", " "]
)  # fmt: skip


@FAST
@given(st.lists(_RULE_TOKENS, max_size=14).map("".join))
def test_rule_parser_compiles_or_says_where(text: str) -> None:
    try:
        compile_rule(text)
    except RuleError as exc:
        assert exc.column >= 1


_K_TOKENS = st.sampled_from(["(", ")", "not", "and", "or", "a", "b*", "?", "[", "]", " ", "c.d"])


@FAST
@given(st.lists(_K_TOKENS, max_size=300).map(" ".join))
def test_k_parser_compiles_or_is_a_usage_error(expression: str) -> None:
    try:
        matches = compile_selection(expression)
    except UsageError:
        return
    for name in ("a", "b1", "c.d", "other"):
        assert matches(name) in (True, False)


def _encodings(char: str) -> list[str]:
    data = char.encode("utf-8")
    code = ord(char)
    out = [char, urllib.parse.quote(char, safe=""), f"&#{code};", f"&#x{code:X};"]
    out.append("".join(f"\\x{b:02x}" for b in data))
    if code < 0x10000:
        out += [f"\\u{code:04x}", f"\\u{code:04X}", f"\\\\u{code:04x}"]
    if not char.isalnum():
        out.append("\\" + char)
    return out


@st.composite
def _mixed(draw: st.DrawFn) -> tuple[str, str]:
    secret = draw(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=4, max_size=12).filter(
            lambda s: s.strip() == s and len(s.strip()) >= 4
        )
    )
    written = "".join(draw(st.sampled_from(_encodings(c))) for c in secret)
    return secret, written


@FAST
@given(_mixed(), st.text(max_size=20), st.text(max_size=20))
def test_redactor_masks_any_mix_of_encodings(
    pair: tuple[str, str], before: str, after: str
) -> None:
    secret, written = pair
    text = f"{before}{written}{after}"
    masked = Redactor([secret]).text(text)
    assert written not in masked
    assert MASK in masked


@FAST
@given(
    # Five bytes at least: a secret's base64 is found at each of the three alignments from
    # there (a four-byte secret may leave only two whole bytes in a 3-byte group).
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=2, max_size=14).filter(
        lambda s: len(s.encode()) >= 5
    ),
    st.text(max_size=7),
    st.text(max_size=7),
)
def test_redactor_masks_a_secret_inside_any_base64(secret: str, head: str, tail: str) -> None:
    encoded = base64.b64encode(f"{head}{secret}{tail}".encode()).decode()
    masked = Redactor([secret]).text(f"Authorization: Basic {encoded}")
    assert masked == f"Authorization: Basic {MASK}"
