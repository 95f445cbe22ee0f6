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

A template also declares what it asks of the person sending it (`asks`):
each `extra` value they supply, labelled in their words per language, so
that the console and the CLI ask for it and a missing one is refused as
"extra.question: the question to ask the customer is required" before
anything renders.

Pure code; the followup service stores templates and calls `render`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import nodes
from jinja2.exceptions import SecurityError

from redress.platform.requests import language_tag
from services.followup.sandbox import MAX_TEXT, Budget, LetterSandbox, TemplateLimit

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
            "goodwill",
            "url",
            "status_url",
            # [{score, url}] for scores 1 to 5: the satisfaction survey's links.
            "survey_urls",
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


# How a person writes a value a template asks for: one line, several lines,
# or a day (YYYY-MM-DD, written in the letter as a date in its language).
ASK_KINDS = ("text", "paragraph", "date")
ASK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Ask:
    """A value a person supplies for one message: the template reads it as
    `extra.<name>`; `labels` say what it is, by language, in the words the
    person sending the letter uses ("the question to ask the customer")."""

    name: str
    labels: dict[str, str]
    required: bool = True
    kind: str = "text"

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The label in `language`, else its primary language, else English,
        else any; the value's name when it has none."""
        for candidate in (language, language.split("-")[0], DEFAULT_LANGUAGE):
            if self.labels.get(candidate):
                return self.labels[candidate]
        return next(iter(self.labels.values()), "") or self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "labels": dict(self.labels),
            "required": self.required,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ask:
        return cls(
            name=str(data.get("name", "")),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            required=bool(data.get("required", True)),
            kind=str(data.get("kind") or "text"),
        )


@dataclass(frozen=True)
class LetterTemplate:
    name: str
    language: str
    subject: str
    body_text: str
    body_html: str = ""
    # What the person sending it must (or may) supply.
    asks: tuple[Ask, ...] = ()


def ask_problems(asks: Iterable[Ask]) -> list[tuple[str, str]]:
    """(field, what is wrong) for each declaration that cannot be asked."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, ask in enumerate(asks):
        at = f"asks[{i}]"
        if not ASK_NAME.match(ask.name):
            problems.append(
                (f"{at}.name", "lower case letters, digits and _ (at most 40), e.g. question")
            )
        elif ask.name in seen:
            problems.append((f"{at}.name", f"{ask.name!r} is asked for twice"))
        seen.add(ask.name)
        if not any(label.strip() for label in ask.labels.values()):
            problems.append(
                (f"{at}.labels", "say what the value is, e.g. en: the question to ask the customer")
            )
        for tag, label in ask.labels.items():
            if tag.split("-")[0] not in LANGUAGES and not re.fullmatch(r"[a-z]{2,3}(-\w+)*", tag):
                problems.append((f"{at}.labels[{tag}]", "keyed by a language tag such as en"))
            if len(label) > 200:
                problems.append((f"{at}.labels[{tag}]", "at most 200 characters"))
        if ask.kind not in ASK_KINDS:
            problems.append((f"{at}.kind", "one of " + ", ".join(ASK_KINDS)))
    return problems


def missing_values(
    asks: Iterable[Ask], extra: Mapping[str, str], language: str = DEFAULT_LANGUAGE
) -> list[tuple[str, str]]:
    """(field, what is wrong) for each value a person must supply and did
    not, or gave in a form the letter cannot use, named in their words."""
    problems: list[tuple[str, str]] = []
    for ask in asks:
        value = extra.get(ask.name, "")
        if not value.strip():
            if ask.required:
                problems.append((f"extra.{ask.name}", f"{ask.label(language)} is required"))
            continue
        if ask.kind == "date":
            try:
                date.fromisoformat(value.strip())
            except ValueError:
                problems.append(
                    (f"extra.{ask.name}", f"{ask.label(language)}: a date such as 2027-06-22")
                )
    return problems


def _environment(html: bool, budget: Budget | None = None) -> LetterSandbox:
    return LetterSandbox(html=html, budget=budget)


# What a letter is one template of: it reads no other template.
_OTHER_TEMPLATES = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
}


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
        for other in tree.find_all(tuple(_OTHER_TEMPLATES)):
            problems.append(
                (
                    part,
                    f"line {other.lineno}: {{% {_OTHER_TEMPLATES[type(other)]} %}} is not "
                    "offered: a letter is one template, with its text in it",
                )
            )
        try:
            # Compiling finds what parsing does not: unknown filters, unless
            # in a condition (left to the render), as are unknown tests.
            env.compile(tree)
        except jinja2.TemplateSyntaxError as err:
            problems.append((part, f"line {err.lineno}: {err.message}"))
        unknown = {
            (used.lineno, kind, used.name)
            for used in tree.find_all((nodes.Filter, nodes.Test))
            for kind, known in [
                ("filter", env.filters) if isinstance(used, nodes.Filter) else ("test", env.tests)
            ]
            if used.name not in known
        }
        for line, kind, name in sorted(unknown):
            found = f"line {line}: No {kind} named {name!r}."
            if (part, found) not in problems:
                problems.append((part, found))
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


def render(
    template: LetterTemplate, context: Mapping[str, Any], *, budget: Budget | None = None
) -> Rendered:
    """Renders every part; a missing value, a sandbox violation or a limit
    broken is a TemplateProblem naming the part and the line.

    Each part streams out and stops at MAX_TEXT characters; all parts share
    one time `budget` (RENDER_SECONDS by default)."""
    check(template)
    budget = budget or Budget()
    values = {name: _plain(context.get(name, {}), name) for name in VARIABLES}
    out: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for part in PARTS:
        text = getattr(template, part)
        if not text:
            out[part] = ""
            continue
        try:
            out[part] = _stream(_environment(part == "body_html", budget).from_string(text), values)
        except Exception as err:  # whatever fails, the template caused it: say so
            unasked = _UNASKED.search(str(err)) if isinstance(err, jinja2.UndefinedError) else None
            if unasked:
                # A value the sender should have given: reported on it, in
                # words a person sending the letter can act on.
                name = unasked[1]
                problem = (
                    f"extra.{name}",
                    f"this letter uses a value named {name!r}: give it in extra",
                )
                if problem not in problems:
                    problems.append(problem)
                continue
            problems.append((part, _explain(err)))
    for part in ("subject", "body_text"):
        if part in out and not out[part].strip():
            problems.append((part, "renders to nothing"))
    if problems:
        raise TemplateProblem(problems)
    return Rendered(out["subject"].strip(), out["body_text"], out.get("body_html", ""))


# How LetterUndefined names a value missing from `extra`.
_UNASKED = re.compile(r"^extra\.([A-Za-z_][A-Za-z0-9_]*) has no value")


def _stream(template: jinja2.Template, values: dict[str, Any]) -> str:
    """The rendered text, refused as soon as it passes MAX_TEXT characters."""
    budget = template.environment.budget  # type: ignore[attr-defined]
    pieces: list[str] = []
    size = 0
    stream = template.generate(values)
    for piece in stream:
        size += len(piece)
        if size > MAX_TEXT:
            limit = TemplateLimit(f"the letter would be longer than {MAX_TEXT:,} characters")
            limit.line = _line_of(stream, template)  # type: ignore[attr-defined]
            raise limit
        budget.check()
        pieces.append(piece)
    return "".join(pieces)


def _line_of(stream: Any, template: jinja2.Template) -> int | None:
    """The template line a suspended render is at."""
    while getattr(stream, "gi_yieldfrom", None) is not None:
        stream = stream.gi_yieldfrom
    frame = getattr(stream, "gi_frame", None)
    if frame is None:
        return None
    return template.get_corresponding_lineno(frame.f_lineno)


def template_line(err: BaseException) -> int | None:
    """The template line an error was raised at (jinja2 rewrites the
    traceback so that a template's frames carry its own line numbers)."""
    line = getattr(err, "line", None) or getattr(err, "lineno", None)
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _explain(err: BaseException) -> str:
    line = template_line(err)
    at = f"line {line}: " if line else ""
    if isinstance(err, jinja2.UndefinedError):
        return f"{at}{err.message}: the case has no value for it"
    if isinstance(err, TemplateLimit):
        return f"{at}too much for a letter: {err}"
    if isinstance(err, SecurityError):
        return f"{at}not allowed in a template: {err}"
    if isinstance(err, RecursionError):
        return f"{at}calls itself without end (a macro calling itself?)"
    if isinstance(err, MemoryError):
        return f"{at}too much for a letter: needs more memory than a letter may use"
    if isinstance(err, jinja2.TemplateError):
        return f"{at}{err}"
    return f"{at}cannot be rendered: {err or type(err).__name__}"


class _Namespace(dict[str, Any]):
    """A dict whose keys read as attributes, so templates write {{ case.case_id }}.

    It knows its own name in the template (`_path`, e.g. "extra"), so that a
    value missing from it is reported as "extra.question", never as a Python
    object lacking an attribute."""

    _path = ""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _plain(value: Any, path: str = "") -> Any:
    # Only plain data reaches a template: no objects whose methods it could call.
    if isinstance(value, Mapping):
        namespace = _Namespace({str(k): _plain(v, f"{path}.{k}") for k, v in value.items()})
        namespace._path = path
        return namespace
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


def shipped_asks() -> dict[str, tuple[Ask, ...]]:
    """What each shipped letter asks of the person sending it (letters/asks.yaml)."""
    document = yaml.safe_load((LETTERS / "asks.yaml").read_text(encoding="utf-8")) or {}
    return {
        str(name): tuple(Ask.from_dict(a) for a in (asks or [])) for name, asks in document.items()
    }


def shipped() -> list[LetterTemplate]:
    """The default letters Redress ships, one file per name and language:
    letters/<name>.<language>.txt, the first line being the subject; what
    each asks of its sender is in letters/asks.yaml, one entry per name."""
    asks = shipped_asks()
    found = []
    for path in sorted(LETTERS.glob("*.txt")):
        name, language = path.stem.rsplit(".", 1)
        subject, _, body = path.read_text(encoding="utf-8").partition("\n")
        found.append(
            LetterTemplate(
                name, language, subject.strip(), body.lstrip("\n"), asks=asks.get(name, ())
            )
        )
    return found
