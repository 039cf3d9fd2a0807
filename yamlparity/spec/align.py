"""`align:` — a spec that compares command targets with HTTP targets (docs/spec-format.md,
"Mixing command and HTTP targets").

The two kinds answer with different facets, so a mixed spec compares common ones:

- `answer`: a command's stdout <-> an HTTP target's body (always; `stdout: body`);
- `outcome`: the success class, only with `exit_code: status`: exit code 0 <-> a 2xx status
  (`success`), any other exit code <-> any other status (`failure`). The numbers themselves
  are never compared with each other: exit 0 is not "equal" to 200, and exit 2 to 404 only
  in that both are failures.

Without `exit_code: status` only successes are compared: a non-zero exit or a non-2xx status
is an ERROR, so two failures can never match by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from yamlparity.core.errors import Location, SpecError
from yamlparity.core.jsonvalue import JSON
from yamlparity.spec.model import MIXED_FACETS, Alignment

KeyPath = tuple[str | int, ...]
ErrorAt = Callable[..., SpecError]

SUCCESS = "success"
FAILURE = "failure"
FACETS_HINT = (
    "a spec that mixes command and HTTP targets compares common facets: answer "
    "(stdout <-> body) and outcome (exit_code <-> status, with `align: {exit_code: status}`)"
)


def alignment(
    raw: JSON, kind: str, err: ErrorAt, where: Callable[[KeyPath], Location], spec_at: Location
) -> Alignment | None:
    """The spec's alignment: None unless its targets mix kinds (then `align:` is refused)."""
    if kind != "mixed":
        if raw is not None:
            raise err(
                ("align",),
                "`align` lines up command and HTTP targets; this spec's targets are all "
                + ("commands" if kind == "command" else "HTTP"),
                "remove `align:` (it applies only when a spec has both `run:` and `url:` targets)",
                at_key=True,
            )
        return None
    if raw is None:
        return Alignment(location=spec_at)  # the default: stdout <-> body, failures not compared
    items = cast(dict[str, JSON], raw)
    # The schema has checked keys and values; what is left is what they mean together.
    if items.get("stdout", "body") != "body":
        raise err(("align", "stdout"), "a command's stdout can only align with `body`")
    return Alignment(location=where(("align",)), outcome=items.get("exit_code") == "status")


def check_keys(doc: Any) -> None:
    """Before the schema: an `align:` key that is a facet with no counterpart, or written the
    other way round, gets a message saying so (the schema would only list the valid keys)."""
    raw = doc.value.get("align")
    if not isinstance(raw, dict):
        return
    for key in raw:
        if key == "stderr":
            raise doc.error(
                ("align", key),
                "a command's stderr has no HTTP counterpart",
                "a spec that mixes kinds compares `stdout: body` and `exit_code: status`; "
                "compare stderr in a spec whose targets are all commands",
                at_key=True,
            )
        if key in ("body", "status") or str(key).lower().startswith("headers."):
            raise doc.error(
                ("align", key),
                f"`align` keys are a command's facets, not {key!r}",
                "write the command's facet first: `stdout: body`, `exit_code: status`"
                if key in ("body", "status")
                else "HTTP headers have no command counterpart: they cannot be aligned",
                at_key=True,
            )


def mixed_facet(facet: str, align: Alignment, err: ErrorAt, path: KeyPath, at_key: bool) -> str:
    """A facet named in a mixed spec (compare.facets, normalize, known): a common one."""
    if facet == "answer" or (facet == "outcome" and align.outcome):
        return facet
    if facet == "outcome":
        raise err(
            path,
            "`outcome` is compared only when exit codes are aligned with statuses",
            "add `align: {exit_code: status}` (exit 0 <-> 2xx, other codes <-> other statuses)",
            at_key=at_key,
        )
    own = {"stdout": "answer", "body": "answer", "exit_code": "outcome", "status": "outcome"}
    hint = f"write `{own[facet]}`: {FACETS_HINT}" if facet in own else FACETS_HINT
    raise err(path, f"{facet!r} is not a facet of a spec that mixes kinds", hint, at_key=at_key)


def default_facets(align: Alignment) -> tuple[str, ...]:
    return MIXED_FACETS if align.outcome else ("answer",)


def describe(align: Alignment) -> str:
    """One line for reports: `answer = stdout ↔ body; outcome = exit_code ↔ status ...`."""
    pairs = align.pairs().items()
    parts = [f"{common} = {own['command']} ↔ {own['http']}" for common, own in pairs]
    if align.outcome:
        parts[-1] += " (exit 0 ↔ 2xx: success; other codes ↔ other statuses: failure)"
    else:
        parts.append("exit codes and statuses not compared (only successes are)")
    return "; ".join(parts)


def as_data(align: Alignment | None) -> dict[str, Any] | None:
    """The alignment in results JSON: common facet -> {command: facet, http: facet}."""
    return None if align is None else {"facets": align.pairs(), "description": describe(align)}
