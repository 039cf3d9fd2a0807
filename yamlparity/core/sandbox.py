"""Jinja's sandbox with bounds: what a template may build, and for how long it may run.

Jinja's SandboxedEnvironment keeps templates away from Python internals but not from the
machine's memory and time: `{{ 'a' * 10**10 }}` had the process OOM-killed, a format width of
10**9 wrote a 1 GB report, and nested loops ran for minutes. `BoundedSandbox` refuses, before
they run, the operations that build a large value in one step (`*`, `**`, `%` and `+` on
strings, lists and integers; `~`; `format` widths; `center`, `ljust`, `rjust`, `zfill`,
`expandtabs`, `replace`, `join`; the `center`, `indent`, `format`, `join`, `replace`
filters) when the result would pass MAX_VALUE characters (or MAX_INT_BITS bits).
What builds up in many steps (a loop doubling a string) is stopped by `guard()`: a watchdog
thread raises TemplateLimit in the rendering thread once its time or the process's memory
growth passes the limits (the exception lands between two Python operations; every large
single step is refused above, so none runs long in C).
"""

from __future__ import annotations

import ctypes
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment, SandboxedFormatter

__all__ = [
    "CODE_GENERATION",
    "MAX_INT_BITS",
    "MAX_VALUE",
    "BoundedSandbox",
    "TemplateLimit",
    "guard",
]

MAX_VALUE = 64 * 1024 * 1024  # characters (or items) one operation may build
# What compiled templates hold changes with the code generator below: part of the name of the
# compiled-template cache's files, so code compiled before a change is never loaded after it.
CODE_GENERATION = 2
MAX_INT_BITS = 1 << 16  # ~20,000 decimal digits
_WATCH_INTERVAL = 0.05


class TemplateLimit(TemplateError):
    """A template passed one of the bounds above (a TemplateError: reported with its line)."""


def _size(value: Any) -> int | None:
    if isinstance(value, str | bytes | list | tuple):
        return len(value)
    return None


def _refuse(what: str) -> TemplateLimit:
    return TemplateLimit(f"template limit: {what}")


def _check_length(length: int, what: str) -> None:
    if length > MAX_VALUE:
        raise _refuse(f"{what} would build {length:,} characters (at most {MAX_VALUE:,})")


def _check_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        raise _refuse(f"{what} would build an integer of ~{bits:,} bits (at most {MAX_INT_BITS:,})")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = getattr(value, "number", None)  # core.numbers.NumberView
    return number if isinstance(number, int) else None


def _check_binop(operator: str, left: Any, right: Any) -> None:
    a, b = _as_int(left), _as_int(right)
    if operator == "*":
        for seq, count in ((left, b), (right, a)):
            size = _size(seq)
            if size is not None and count is not None:
                _check_length(size * max(count, 0), "repeating a value")
        if a is not None and b is not None:
            _check_bits(a.bit_length() + b.bit_length(), "a product")
    elif operator == "**" and a is not None and b is not None and b > 0:
        _check_bits(max(a.bit_length(), 1) * b, "a power")
    elif operator == "+":
        sizes = (_size(left), _size(right))
        if sizes[0] is not None and sizes[1] is not None:
            _check_length(sizes[0] + sizes[1], "joining two values")
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?[hlL]?[a-zA-Z%]")


def _check_printf(text: str, args: Any) -> None:
    """`'%1000000000d' % 1`: the widths (and `*` widths taken from the arguments)."""
    values = list(args) if isinstance(args, tuple) else [args]
    total = len(text)
    for match in _PRINTF.finditer(text):
        for part in match.groups():
            if part == "*":
                width = _as_int(values.pop(0)) if values else 0
                total += abs(width or 0)
            elif part:
                total += int(part[:12])
    _check_length(total, "a %-format")


class _BoundedFormatter(SandboxedFormatter):
    """str.format with every field's width and precision checked before it is formatted."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_spec(format_spec)
        return super().format_field(value, format_spec)


_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?")


def _check_spec(spec: str) -> None:
    match = _SPEC.match(spec)
    if match is None:
        return
    for part in match.groups():
        if part:
            _check_length(int(part[:12]), "a format width")


def _str_method_size(method: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Predicted size of str methods that grow their string."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _check_length(_as_int(args[0]) or 0, f"str.{name}")
    elif name == "expandtabs":
        size = _as_int(args[0] if args else kwargs.get("tabsize", 8)) or 0
        _check_length(len(owner) + owner.count("\t") * size, "str.expandtabs")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif name == "join" and args:
        _check_join(owner, args[0])


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = len(text) + 1 if old == "" else text.count(old)
        _check_length(len(text) + hits * len(new), "replace")


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(separator, str) and isinstance(items, list | tuple):
        pieces = sum(len(i) if isinstance(i, str) else 32 for i in items)
        _check_length(pieces + len(separator) * len(items), "join")


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with `a ~ b ~ c` sized before it is joined: Jinja compiles the
    operator to a plain join that no sandbox hook sees (a loop doubling a string reached
    1.6 GB before the watchdog looked)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # Jinja's own choice of join (CodeGenerator.visit_Concat), handed to the check.
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.bounded_concat({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(SandboxedEnvironment):
    """SandboxedEnvironment whose single operations cannot build huge values."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    @staticmethod
    def bounded_concat(join: Callable[[Any], str], items: tuple[Any, ...]) -> str:
        """`~` of `items`, refused when the text would pass MAX_VALUE characters."""
        _check_length(sum(len(i) if isinstance(i, str) else len(str(i)) for i in items), "~")
        return join(items)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters.update(_bounded_filters(self.filters))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        wrapped: Any = getattr(__obj, "__wrapped__", None)
        method = getattr(wrapped, "__name__", "")
        owner = getattr(wrapped, "__self__", None)
        if method in ("format", "format_map") and isinstance(owner, str):
            formatter = _BoundedFormatter(__self)
            mapping = args[0] if method == "format_map" and args else kwargs
            values = () if method == "format_map" else args
            return formatter.vformat(owner, values, mapping)
        _str_method_size(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's own filters that grow their input, checked first (filters are called directly
    by compiled templates, not through `call`)."""
    center, indent, fmt = filters["center"], filters["indent"], filters["format"]
    join, replace = filters["join"], filters["replace"]

    def bounded_center(value: Any, width: int = 80) -> Any:
        _check_length(_as_int(width) or 0, "center")
        return center(value, width)

    def bounded_indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        lines = str(value).count("\n") + 1
        size = len(width) if isinstance(width, str) else (_as_int(width) or 0)
        _check_length(len(str(value)) + lines * size, "indent")
        return indent(value, width, *args, **kwargs)

    def bounded_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_printf(str(value), tuple(args) or kwargs)
        return fmt(value, *args, **kwargs)

    def bounded_join(context: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value) if not isinstance(value, str) else [value]
        _check_join(d, items)
        return join(context, items, d, attribute)

    def bounded_replace(
        context: Any, value: Any, old: str, new: str, count: int | None = None
    ) -> Any:
        _check_replace(str(value), old, new)
        return replace(context, value, old, new, count)

    # Keep Jinja's pass_* markers: join and replace receive the eval context.
    for bounded, original in ((bounded_join, join), (bounded_replace, replace)):
        marker = getattr(original, "jinja_pass_arg", None)
        if marker is not None:
            setattr(bounded, "jinja_pass_arg", marker)  # noqa: B010 - a function attribute
    return {
        "center": bounded_center,
        "indent": bounded_indent,
        "format": bounded_format,
        "join": bounded_join,
        "replace": bounded_replace,
    }


# ---------------------------------------------------------------------------- the watchdog


class _Watch:
    __slots__ = ("deadline", "memory_limit", "reason", "seconds", "thread_id")

    def __init__(self, thread_id: int, seconds: float, memory_limit: int | None) -> None:
        self.thread_id = thread_id
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.memory_limit = memory_limit
        self.reason: str | None = None


_watches: dict[int, _Watch] = {}
_watch_lock = threading.Lock()
# Notified when a watch is added: with none open the watcher waits on it, never waking (it
# polled 20 times a second for the life of the process, ~0.5% of a core, once any template
# had been rendered: a long pytest session, a test worker).
_watch_added = threading.Condition(_watch_lock)
_watcher: threading.Thread | None = None


def _rss() -> int | None:
    """This process's resident memory in bytes (Linux); None elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize()


def _watch_loop() -> None:
    while True:
        with _watch_lock:
            while not _watches:
                _watch_added.wait()
        time.sleep(_WATCH_INTERVAL)
        now = time.monotonic()
        rss = _rss()
        with _watch_lock:
            watches = list(_watches.values())
        for watch in watches:
            if watch.reason is not None:
                continue
            if now > watch.deadline:
                watch.reason = f"ran longer than {watch.seconds:g} s"
            elif rss is not None and watch.memory_limit is not None and rss > watch.memory_limit:
                grown = watch.memory_limit // (1024 * 1024)
                watch.reason = f"made the process grow past its memory bound ({grown} MB)"
            else:
                continue
            with _watch_lock:  # only into a block still open (guard pops under this lock)
                if _watches.get(watch.thread_id) is watch:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(watch.thread_id), ctypes.py_object(TemplateLimit)
                    )


def _ensure_watcher() -> None:
    global _watcher
    with _watch_lock:
        if _watcher is None or not _watcher.is_alive():
            _watcher = threading.Thread(target=_watch_loop, name="yamlparity-template-watch")
            _watcher.daemon = True
            _watcher.start()


@contextmanager
def guard(what: str, seconds: float, memory: int | None = 1 << 30) -> Iterator[None]:
    """Render inside: past `seconds`, or once the process has grown by `memory` bytes, the
    block gets TemplateLimit naming `what` and the bound it passed. Inside another guard of
    the same thread the outer bound holds."""
    if threading.get_ident() in _watches:
        yield
        return
    rss = _rss() if memory is not None else None
    limit = rss + memory if rss is not None and memory is not None else None
    watch = _Watch(threading.get_ident(), seconds, limit)
    _ensure_watcher()
    with _watch_lock:
        _watches[watch.thread_id] = watch
        _watch_added.notify()
    try:
        yield
    except TemplateLimit as exc:
        if watch.reason is not None:  # raised by the watchdog: say which bound, keep the line
            bounded = TemplateLimit(f"template limit: {what} {watch.reason}")
            raise bounded.with_traceback(exc.__traceback__) from None
        raise
    finally:
        with _watch_lock:
            _watches.pop(watch.thread_id, None)
        if watch.reason is not None:
            # The async exception may not have landed yet: wait it out here, not later.
            _drain(watch)


def _drain(watch: _Watch) -> None:
    """Clear an async exception that was scheduled but has not fired (the block ended)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread_id), None)
