"""The sandbox letters render in: no operation may build a value too large to send.

jinja2's sandbox keeps a template away from Python's internals; it does not
keep it from asking for a number of forty million digits or a string of a
gigabyte, each a few characters of template text. Every operation that can
make a value much larger than its inputs is bounded here, before it runs:

- arithmetic: a repetition (`'x' * n`), a power, a product of big numbers, a
  sum of long strings or lists, `%` formatting;
- the calls a template can make: padding (`center`, `ljust`, `rjust`,
  `zfill`, `expandtabs`), `format`, `join`, `replace`, macros;
- the filters: each is checked before it runs (`center`, `format`, `indent`,
  `join`, `replace`, `wordwrap`, `batch`, `slice`) and every result after;
- `namespace()` values, the only state that lives across a loop's turns.

A letter also has a time budget (`Budget`), checked at each of those steps
and at each piece of output. What breaks a limit raises `TemplateLimit`,
which names the limit; the caller (templates.render) adds the template line.
These limits make a hostile template fail quickly and clearly; the process a
letter renders in (services/followup/rendering.py) adds the hard stop that
nothing inside a template can get around.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

# A repetition (`'-' * 40`) builds at most this many characters or items.
MAX_REPEAT = 100_000
# A power's exponent, and a number's size: a letter counts money and days.
MAX_EXPONENT = 1_000
MAX_DIGITS = 1_000
_MAX_BITS = int(MAX_DIGITS * 3.33) + 1
# Any string an operation builds, and each rendered part of a letter.
MAX_TEXT = 1_000_000
# Any list an operation builds (jinja2's own limit on range()).
MAX_ITEMS = MAX_RANGE
# A width to pad or indent to: a printed line is under a hundred characters.
MAX_WIDTH = 1_000
# How long one letter (all its parts) may take to render.
RENDER_SECONDS = 2.0

# Filters that have no place in a letter and whose size jinja2 does not bound.
DROPPED_FILTERS = frozenset({"tojson", "pprint"})
DROPPED_GLOBALS = frozenset({"lipsum"})


class TemplateLimit(SecurityError):
    """A template asked for more than a letter may: too big, too long to render."""


class Budget:
    """The time a letter may take, checked at every bounded step."""

    def __init__(self, seconds: float = RENDER_SECONDS) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise out_of_time(self.seconds)


def out_of_time(seconds: float) -> TemplateLimit:
    return TemplateLimit(f"takes longer than {seconds:g} s to render (a loop too many?)")


def _too_long(what: str, size: int) -> None:
    if size > MAX_TEXT:
        raise TemplateLimit(f"{what} would be {size:,} characters, more than {MAX_TEXT:,}")


def _wide(what: str, width: Any) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise TemplateLimit(f"{what} {width:,} is wider than {MAX_WIDTH:,}")


def _many(what: str, count: Any) -> None:
    if isinstance(count, int) and count > MAX_ITEMS:
        raise TemplateLimit(f"{what} {count:,} is more than {MAX_ITEMS:,}")


def check_size(value: Any) -> Any:
    """Refuses a value too large to be part of a letter; returns it otherwise."""
    if isinstance(value, str):
        _too_long("a text", len(value))
    elif isinstance(value, list | tuple | dict | set):
        _many("a list of", len(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > _MAX_BITS:
            raise TemplateLimit(f"a number of more than {MAX_DIGITS:,} digits")
    return value


# printf-style conversions: %s, %-10s, %(name)08.3f, %*d ...
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _longest(values: Iterable[Any]) -> int:
    return max((len(str(v)) for v in values), default=0)


def check_percent(text: str, args: Any) -> None:
    """`text % args`: widths bounded, the result not too long."""
    fields = 0
    for width, precision, kind in _PERCENT.findall(text):
        if kind == "%":
            continue
        fields += 1
        for number in (width, precision):
            if number == "*":
                raise TemplateLimit("a width given as * is not offered; write the number")
            if number:
                _wide("a width of", int(number))
    if isinstance(args, dict):
        values = list(args.values())
    else:
        values = list(args) if isinstance(args, tuple | list) else [args]
    _too_long("the formatted text", len(text) + fields * max(MAX_WIDTH, _longest(values)))


def check_format(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """`text.format(...)`: widths bounded, the result not too long."""
    fields = 0
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return  # format() says what is wrong with it
    for _, field, spec, _ in parsed:
        if field is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise TemplateLimit("a width given as {...} is not offered; write the number")
        for number in re.findall(r"\d+", spec or ""):
            _wide("a width of", int(number))
    longest = _longest([*args, *kwargs.values()])
    _too_long("the formatted text", len(text) + fields * max(MAX_WIDTH, longest))


def check_join(items: list[Any], separator: Any) -> None:
    _many("a join of", len(items))
    _too_long(
        "the joined text",
        sum(len(str(i)) for i in items) + len(str(separator)) * max(len(items) - 1, 0),
    )


def check_replace(text: str, old: Any, new: Any, count: Any = -1) -> None:
    if not isinstance(old, str) or not isinstance(new, str):
        return
    times = text.count(old)
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    _too_long("the replaced text", len(text) + times * max(len(new) - len(old), 0))


def _lines(text: str) -> int:
    return text.count("\n") + 1


# Checks made before a filter runs, by filter name: (value, *args, **kwargs).
def _before_center(value: Any, width: Any = 80, *_: Any, **__: Any) -> None:
    _wide("center width", width)


def _before_format(value: Any, *args: Any, **kwargs: Any) -> None:
    check_percent(str(value), kwargs or args)


def _before_indent(value: Any, width: Any = 4, *_: Any, **kwargs: Any) -> None:
    width = kwargs.get("width", width)
    _wide("indent width", width)
    prefix = width if isinstance(width, int) else len(str(width))
    _too_long("the indented text", len(str(value)) + _lines(str(value)) * prefix)


def _before_join(value: Any, d: Any = "", attribute: Any = None, **kwargs: Any) -> None:
    if isinstance(value, list | tuple) and attribute is None:
        check_join(list(value), kwargs.get("d", d))


def _before_replace(value: Any, old: Any = "", new: Any = "", count: Any = None) -> None:
    check_replace(str(value), old, new, -1 if count is None else count)


def _before_wordwrap(value: Any, width: Any = 79, *args: Any, **kwargs: Any) -> None:
    width = kwargs.get("width", width)
    wrapstring = kwargs.get("wrapstring", args[1] if len(args) > 1 else None) or "\n"
    text = str(value)
    if isinstance(width, int) and width > 0:
        breaks = 2 * len(text) // width + _lines(text)
        _too_long("the wrapped text", len(text) + breaks * len(str(wrapstring)))


def _before_batch(value: Any, linecount: Any = 1, *_: Any, **__: Any) -> None:
    _many("a batch of", linecount)


def _before_slice(value: Any, slices: Any = 1, *_: Any, **__: Any) -> None:
    _many("a slice into", slices)


BEFORE_FILTER: dict[str, Callable[..., None]] = {
    "center": _before_center,
    "format": _before_format,
    "indent": _before_indent,
    "join": _before_join,
    "replace": _before_replace,
    "wordwrap": _before_wordwrap,
    "batch": _before_batch,
    "slice": _before_slice,
}


def _drop_context(args: tuple[Any, ...], func: Callable[..., Any]) -> tuple[Any, ...]:
    # Filters marked pass_context/pass_eval_context/pass_environment get that
    # first; the checks see the value and the template's own arguments.
    return args[1:] if getattr(func, "jinja_pass_arg", None) is not None else args


def _bounded_filter(name: str, func: Callable[..., Any], budget: Budget) -> Callable[..., Any]:
    before = BEFORE_FILTER.get(name)

    @wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        budget.check()
        if before is not None:
            own = _drop_context(args, func)
            if own:
                before(*own, **kwargs)
        return check_size(func(*args, **kwargs))

    return bounded


# str methods a template may call whose result can outgrow the string.
def _check_str_method(name: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if name in {"center", "ljust", "rjust", "zfill"} and args:
        _wide(f"{name} width", args[0])
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        _wide("a tab size of", size)
        if isinstance(size, int):
            _too_long("the expanded text", len(text) + text.count("\t") * size)
    elif name == "join" and args:
        check_join(list(args[0]) if isinstance(args[0], list | tuple) else [], text)
    elif name == "replace" and len(args) >= 2:
        check_replace(text, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "format":
        check_format(text, args, kwargs)
    elif name == "format_map" and args and isinstance(args[0], dict):
        check_format(text, (), args[0])


class BoundedNamespace(Namespace):
    """namespace(): what a template keeps across a loop's turns, kept small."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, check_size(value))


class LetterUndefined(jinja2.StrictUndefined):
    """A value a letter reads that is not there, named as the template names
    it ("extra.question has no value"), not as Python's attribute error."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        path = getattr(self._undefined_obj, "_path", "")
        if self._undefined_hint is None and path and isinstance(self._undefined_name, str):
            return f"{path}.{self._undefined_name} has no value"
        return super()._undefined_message


class LetterSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, html: bool, budget: Budget | None = None) -> None:
        super().__init__(
            undefined=LetterUndefined,
            autoescape=html,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.budget = budget or Budget()
        self.filters = {
            name: _bounded_filter(name, func, self.budget)
            for name, func in self.filters.items()
            if name not in DROPPED_FILTERS
        }
        for name in DROPPED_GLOBALS:
            self.globals.pop(name, None)
        self.globals["namespace"] = BoundedNamespace
        # Macros, call blocks and {% set %} blocks join their pieces here.
        self.concat = self._concat  # type: ignore[method-assign]

    def _concat(self, pieces: Iterable[str]) -> str:
        self.budget.check()
        pieces = list(pieces)
        _too_long("a block of text", sum(len(p) for p in pieces))
        return "".join(pieces)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.budget.check()
        if operator == "*":
            for times, repeated in ((left, right), (right, left)):
                if (
                    isinstance(times, int)
                    and isinstance(repeated, str | list | tuple)
                    and times * len(repeated) > MAX_REPEAT
                ):
                    raise TemplateLimit(f"a repetition longer than {MAX_REPEAT:,}")
            if _ints(left, right) and left.bit_length() + right.bit_length() > _MAX_BITS + 1:
                raise TemplateLimit(f"a number of more than {MAX_DIGITS:,} digits")
        elif operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise TemplateLimit(f"a power beyond {MAX_EXPONENT:,}")
            if _ints(left, right) and right > 0 and left.bit_length() * right > _MAX_BITS + right:
                raise TemplateLimit(f"a number of more than {MAX_DIGITS:,} digits")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, type(left)):
                if isinstance(left, str):
                    _too_long("a text", len(left) + len(right))
                else:
                    _many("a list of", len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            check_percent(left, right)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.budget.check()
        for value in (*args, *kwargs.values()):
            check_size(value)
        method = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(getattr(method, "__name__", ""), owner, args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.check()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.check()
        return super().getitem(obj, argument)


def _ints(left: Any, right: Any) -> bool:
    return (
        isinstance(left, int)
        and isinstance(right, int)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    )
