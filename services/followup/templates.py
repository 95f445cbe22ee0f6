"""Message templates: checked when saved, rendered in a sandbox, never blank.

A template is jinja2 text with three parts (subject, plain-text body, optional
HTML body). It sees only the variables Redress offers (`VARIABLES`): the case,
the customer, the firm, the regulator to refer to, the clock deadlines and
`extra` values a caller passes. Anything else is an error when the template is
saved and when it is previewed, so a letter never goes out with a blank where
a value should be:

- unknown names and attributes are found by walking the parsed template;
- rendering uses StrictUndefined, so a value missing at send time fails loudly;
- the sandbox refuses attribute access beyond plain data (no `__class__`,
  no method calls on the objects given).

Pure code; the followup service stores templates and calls `render`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from redress.platform.requests import language_tag

# What a template may use: each root name and the attributes it offers.
VARIABLES: dict[str, frozenset[str]] = {
    "case": frozenset(
        {
            "case_id",
            "received_at",
            "received_date",
            "product",
            "issue",
            "narrative",
            "stage",
            "category",
            "regime",
            "assignee",
            "team",
            "outcome",
            "redress",
            "url",
        }
    ),
    "customer": frozenset({"full_name", "email", "preferred_language"}),
    "firm": frozenset({"name", "complaints_email", "complaints_phone", "address"}),
    # The body the customer may refer the complaint to, for the case's regime.
    "regulator": frozenset({"name", "referral_text", "deadline_text"}),
    "deadlines": frozenset({"final_response", "summary_resolution"}),
    # Free values a caller passes for one message (RenderTemplateRequest.extra).
    "extra": frozenset(),
}
PARTS = ("subject", "body_text", "body_html")
LANGUAGES = ("en", "de", "es")
DEFAULT_LANGUAGE = "en"
MAX_LENGTH = {"subject": 300, "body_text": 50_000, "body_html": 200_000}


class TemplateProblem(ValueError):
    """A template cannot be saved or rendered; `problems` are (part, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{part}: {what}" for part, what in problems))


@dataclass(frozen=True)
class LetterTemplate:
    name: str
    language: str
    subject: str
    body_text: str
    body_html: str = ""


# A template renders in the follow-up service's own process: arithmetic that
# would build a string of a gigabyte or a number of a billion digits is
# refused before it starts, like any other sandbox violation.
MAX_REPEAT = 100_000
MAX_EXPONENT = 1_000


class _LetterSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for times, repeated in ((left, right), (right, left)):
                if (
                    isinstance(times, int)
                    and isinstance(repeated, str | list | tuple)
                    and times * len(repeated) > MAX_REPEAT
                ):
                    raise SecurityError(f"a repetition longer than {MAX_REPEAT:,}")
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"a power beyond {MAX_EXPONENT:,}")
        return super().call_binop(context, operator, left, right)


def _environment(html: bool) -> ImmutableSandboxedEnvironment:
    return _LetterSandbox(
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _loop_names(tree: nodes.Template) -> set[str]:
    """Names a template binds itself ({% for x in ... %}, {% set x = ... %})."""
    bound: set[str] = set()
    for node in tree.find_all((nodes.For, nodes.Assign, nodes.Macro)):
        target = getattr(node, "target", None)
        if target is not None:
            bound |= {n.name for n in target.find_all(nodes.Name)}
            if isinstance(target, nodes.Name):
                bound.add(target.name)
        if isinstance(node, nodes.Macro):
            bound.add(node.name)
            bound |= {a.name for a in node.args}
    return bound


def check(template: LetterTemplate) -> None:
    """Raises TemplateProblem naming every problem in every part."""
    problems: list[tuple[str, str]] = []
    if template.language not in LANGUAGES and template.language.split("-")[0] not in LANGUAGES:
        problems.append(("language", f"one of {', '.join(LANGUAGES)} (or a regional variant)"))
    for part in PARTS:
        text = getattr(template, part)
        if part != "body_html" and not text.strip():
            problems.append((part, "required"))
            continue
        if len(text) > MAX_LENGTH[part]:
            problems.append((part, f"at most {MAX_LENGTH[part]:,} characters"))
            continue
        env = _environment(part == "body_html")
        try:
            tree = env.parse(text)
        except jinja2.TemplateSyntaxError as err:
            problems.append((part, f"line {err.lineno}: {err.message}"))
            continue
        bound = _loop_names(tree)
        for name in sorted({n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}):
            if name not in VARIABLES and name not in bound:
                problems.append(
                    (part, f"unknown variable {name!r}; use one of {', '.join(VARIABLES)}")
                )
        # No template reaches Python's internals (`''.__class__`, `x["_y"]`):
        # refused when saved, not only stopped by the sandbox when rendered.
        for name in sorted(
            {n.attr for n in tree.find_all(nodes.Getattr) if n.attr.startswith("_")}
            | {
                str(n.arg.value)
                for n in tree.find_all(nodes.Getitem)
                if isinstance(n.arg, nodes.Const) and str(n.arg.value).startswith("_")
            }
        ):
            problems.append((part, f"{name} is not offered: names starting with _ are internal"))
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in VARIABLES:
                root, allowed = node.node.name, VARIABLES[node.node.name]
                if root != "extra" and node.attr not in allowed:
                    problems.append(
                        (
                            part,
                            f"{root}.{node.attr} is not offered; {root} has "
                            + ", ".join(sorted(allowed)),
                        )
                    )
    if problems:
        raise TemplateProblem(problems)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str


def render(template: LetterTemplate, context: Mapping[str, Any]) -> Rendered:
    """Renders every part; a missing value or a sandbox violation is a TemplateProblem."""
    check(template)
    values = {name: _plain(context.get(name, {})) for name in VARIABLES}
    out: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for part in PARTS:
        text = getattr(template, part)
        if not text:
            out[part] = ""
            continue
        try:
            out[part] = _environment(part == "body_html").from_string(text).render(values)
        except jinja2.UndefinedError as err:
            problems.append((part, f"{err.message}: the case has no value for it"))
        except jinja2.exceptions.SecurityError as err:
            problems.append((part, f"not allowed in a template: {err}"))
        except jinja2.TemplateError as err:
            problems.append((part, str(err)))
        except RecursionError:
            problems.append((part, "calls itself without end (a macro calling itself?)"))
    for part in ("subject", "body_text"):
        if part in out and not out[part].strip():
            problems.append((part, "renders to nothing"))
    if problems:
        raise TemplateProblem(problems)
    return Rendered(out["subject"].strip(), out["body_text"], out.get("body_html", ""))


class _Namespace(dict[str, Any]):
    """A dict whose keys read as attributes, so templates write {{ case.case_id }}."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _plain(value: Any) -> Any:
    # Only plain data reaches a template: no objects whose methods it could call.
    if isinstance(value, Mapping):
        return _Namespace({str(k): _plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def choose_language(wanted: str, available: Iterable[str]) -> str:
    """The exact tag, else its primary language, else the default (e.g. es-MX -> es -> en)."""
    languages = set(available)
    wanted = language_tag(wanted) or wanted
    for candidate in (wanted, wanted.split("-")[0].lower(), DEFAULT_LANGUAGE):
        if candidate in languages:
            return candidate
    raise TemplateProblem([("language", f"no template in {wanted or DEFAULT_LANGUAGE} or en")])


LETTERS = Path(__file__).parent / "letters"


def shipped() -> list[LetterTemplate]:
    """The default letters Redress ships, one file per name and language:
    letters/<name>.<language>.txt, the first line being the subject."""
    found = []
    for path in sorted(LETTERS.glob("*.txt")):
        name, language = path.stem.rsplit(".", 1)
        subject, _, body = path.read_text(encoding="utf-8").partition("\n")
        found.append(LetterTemplate(name, language, subject.strip(), body.lstrip("\n")))
    return found
