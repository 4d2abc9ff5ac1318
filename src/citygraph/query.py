"""The query catalogue, typed parameters, read-only checks and result formats.

A catalogue query is a ``queries/<name>.rq`` file whose comment header declares its title,
description, parameters and examples (grammar in ``queries/README.md``). Parameter values are
typed and checked here and turned into RDF terms. They are then written into the query as
constants (:func:`write_in`: each serialised as an RDF term, so no value can change the structure
of a query; Oxigraph plans constants much better than bindings), or handed to the engine as
*bindings* (pyoxigraph substitutions, rdflib ``initBindings``) where writing in could change the
meaning or the query's header asks for it. Two engine facts shape the catalogue's style:

* pyoxigraph only substitutes variables that the SELECT clause projects, so every parameter
  variable is projected; :func:`run_named` then drops those constant columns from the rows;
* pyoxigraph answers ``BOUND(?param)`` as false for a substituted variable, so an optional
  parameter is tested with ``COALESCE(test, true)`` (an unbound variable makes the test an error,
  which COALESCE turns into "keep the row"), never with ``BOUND``.

Everything a user can get wrong (unknown name, missing or mistyped parameter, syntax error, an
update sent as a query) becomes a :class:`~citygraph.errors.CitygraphError` with a one-line message.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import collector, resources
from .errors import QueryError, UsageError
from .namespaces import ID, PREFIXES

if TYPE_CHECKING:
    from .engine import QueryResult

TYPES = ("iri", "slug", "literal", "date", "integer")
TYPE_HELP = {
    "iri": "an absolute IRI such as https://w3id.org/citygraph/id/marseille",
    "slug": "a lowercase slug such as marseille or amf/bureau",
    "literal": "a text, optionally with a language tag such as Marseille@fr",
    "date": "a date YYYY, YYYY-MM or YYYY-MM-DD",
    "integer": "a whole number such as 2",
}
SLUG = re.compile(r"^[a-z0-9]+(-+[a-z0-9]+)*(/[a-z0-9]+(-+[a-z0-9]+)*)*$")
LANG_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
LANG_SUFFIX = re.compile(r"^(.*)@([a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*)$", re.S)
# An IRI must not hold characters that would end or break an IRI reference in SPARQL or Turtle.
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
DATE_FORMS = (
    (re.compile(r"^\d{4}$"), XSD.gYear),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), XSD.date),
)
FORMATS = ("table", "csv", "tsv", "json", "turtle")
UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "DROP",
    "LOAD",
    "CLEAR",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


# --- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A declared parameter: its variable name, type, whether it is required, default and help."""

    name: str
    type: str
    required: bool = False
    default: str | None = None
    help: str = ""
    lang: str | None = None  # ``literal@fr``: the value is always tagged with this language

    @property
    def type_label(self) -> str:
        return f"{self.type}@{self.lang}" if self.lang else self.type

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type_label,
            "required": self.required,
            "default": self.default,
            "description": self.help,
        }


@dataclass(frozen=True)
class CatalogueQuery:
    """One ``.rq`` file of the catalogue, its header parsed."""

    name: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[dict[str, str], ...]
    text: str
    # "constants": parameter values written into the query (see write_in); "everywhere": written
    # into its sub-SELECTs too; "bindings": handed to the engine as bindings (the header's
    # ``# parameters:`` line)
    parameters: str = "constants"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.as_dict() for p in self.params],
            "examples": [dict(e) for e in self.examples],
        }


_HEADER = re.compile(r"^#\s*([a-z]+)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)(?:@(?P<lang>[A-Za-z0-9-]+))?\s*"
    r"(?:\((?P<flag>required|optional)\)|=\s*(?P<default>\"[^\"]*\"|\S+))\s*"
    r"(?:--\s*(?P<help>.*))?$"
)


_PARAMETERS = ("constants", "everywhere", "bindings")  # how the values reach the engine


def parse_header(path: Path, text: str) -> CatalogueQuery:
    """Read the header comment of a catalogue file; a malformed line names the file and line."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    examples: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        where = f"{path.name}:{number}"
        if key == "param":
            params.append(_parse_param(value, where))
        elif key == "example":
            examples.append(_parse_example(value, where))
        elif key in ("title", "description"):
            fields[key] = value
        elif key == "parameters":
            if value not in _PARAMETERS:
                raise QueryError(
                    f"{where}: '# parameters: {value}' is none of {', '.join(_PARAMETERS)}"
                )
            fields[key] = value
    for key in ("title", "description"):
        if not fields.get(key):
            raise QueryError(
                f"{path.name}: the header has no '# {key}:' line",
                hint="see queries/README.md for the header format",
            )
    names = [p.name for p in params]
    for example in examples:
        unknown = sorted(set(example) - set(names))
        if unknown:
            raise QueryError(f"{path.name}: example names unknown parameter {unknown[0]!r}")
    return CatalogueQuery(
        path.stem,
        path,
        fields["title"],
        fields["description"],
        tuple(params),
        tuple(examples),
        text,
        fields.get("parameters", "constants"),
    )


def _parse_param(value: str, where: str) -> Param:
    match = _PARAM.match(value)
    if not match:
        raise QueryError(
            f"{where}: cannot read the parameter declaration {value!r}",
            hint="write '# param: NAME TYPE (required)|(optional)|= DEFAULT -- help'",
        )
    ptype = match["type"]
    if ptype not in TYPES or (match["lang"] and ptype != "literal"):
        raise QueryError(
            f"{where}: unknown parameter type {match['type']!r}; use one of "
            f"{', '.join(TYPES)} (literal@LANG for a fixed language)"
        )
    default = match["default"]
    if default is not None and default.startswith('"'):
        default = default[1:-1]
    return Param(
        match["name"],
        ptype,
        match["flag"] == "required",
        default or None,
        (match["help"] or "").strip(),
        match["lang"],
    )


def _parse_example(value: str, where: str) -> dict[str, str]:
    example: dict[str, str] = {}
    for item in value.split():
        key, sep, val = item.partition("=")
        if not sep:
            raise QueryError(f"{where}: example item {item!r} is not KEY=VALUE")
        example[key] = val
    return example


def catalogue(folder: Path | None = None) -> dict[str, CatalogueQuery]:
    """Every catalogue query by name (``queries/*.rq``; the quality queries in ``qc/`` are not
    questions for researchers and stay out)."""
    folder = folder or resources.queries_dir()
    found = {}
    for path in sorted(folder.glob("*.rq")):
        found[path.stem] = parse_header(path, path.read_text(encoding="utf-8"))
    return found


def get(name: str, folder: Path | None = None) -> CatalogueQuery:
    """The catalogue query called ``name``; an unknown name lists the closest ones."""
    queries = catalogue(folder)
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    if not close:
        words = set(name.split("-"))
        close = [q for q in queries if words & set(q.split("-"))][:3]
    suggestion = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(
        f"unknown query {name!r}{suggestion}", hint="'citygraph queries' lists the catalogue"
    )


# --- parameters -----------------------------------------------------------------------------


def to_term(param: Param, value: Any) -> Node:
    """A parameter value (text from the command line, or a Python value) as a checked RDF term."""
    expected = f"{param.type_label}: {TYPE_HELP[param.type]}"
    if isinstance(value, (URIRef, Literal)):
        value = str(value) if param.type in ("iri", "slug") or isinstance(value, URIRef) else value
    if param.type == "integer":
        if isinstance(value, bool):
            raise _mistyped(param, value, expected)
        if isinstance(value, int):
            return Literal(value)
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise _mistyped(param, value, expected)
        return Literal(int(text))
    if param.type == "date":
        if isinstance(value, dt.date):
            return Literal(value.isoformat(), datatype=XSD.date)
        text = str(value).strip()
        for pattern, datatype in DATE_FORMS:
            if pattern.match(text):
                if datatype == XSD.date:
                    try:
                        dt.date.fromisoformat(text)
                    except ValueError:
                        raise _mistyped(
                            param, value, expected, "a day that does not exist"
                        ) from None
                return Literal(text, datatype=datatype)
        raise _mistyped(param, value, expected)
    if param.type == "slug":
        text = str(value)
        if text.startswith(str(ID)):
            text = text[len(str(ID)) :]
        if not SLUG.match(text):
            raise _mistyped(param, value, expected)
        return ID[text]
    if param.type == "iri":
        text = str(value)
        if not IRI.match(text):
            raise _mistyped(param, value, expected)
        return URIRef(text)
    if isinstance(value, Literal):
        return Literal(str(value), lang=param.lang or value.language)
    text = str(value)
    if param.lang:
        return Literal(text, lang=param.lang)
    match = LANG_SUFFIX.match(text)
    if match:
        return Literal(match.group(1), lang=match.group(2))
    return Literal(text)


def _mistyped(param: Param, value: Any, expected: str, why: str = "") -> UsageError:
    shown = str(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    why = f", {why}" if why else ""
    return UsageError(f"parameter {param.name!r} expects {expected}; got {shown!r}{why}")


def bind(query: CatalogueQuery, values: Mapping[str, Any]) -> dict[str, Node]:
    """The bindings for a run: every given value checked against its declared type, defaults
    filled in, required parameters insisted upon. Unknown names are refused, not ignored, because
    a misspelt optional parameter would otherwise silently change the answer."""
    known = {p.name: p for p in query.params}
    for name in values:
        if name not in known:
            listing = ", ".join(f"{p.name} ({p.type_label})" for p in query.params) or "none"
            raise UsageError(
                f"query {query.name!r} has no parameter {name!r}; its parameters: {listing}"
            )
    bindings: dict[str, Node] = {}
    for param in query.params:
        value = values.get(param.name)
        if value is None or (isinstance(value, str) and value == "" and not param.required):
            value = param.default
        if value is None:
            if param.required:
                raise UsageError(
                    f"query {query.name!r} needs parameter {param.name!r} "
                    f"({param.type_label}: {TYPE_HELP[param.type]})",
                    hint=f"give --param {param.name}=VALUE",
                )
            continue
        bindings[param.name] = to_term(param, value)
    return bindings


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings from ``--param`` into a dict; the value may hold any character."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--param {item!r} is not KEY=VALUE", hint="e.g. --param city=marseille"
            )
        key = key.strip()
        if key in values and values[key] != value:  # the last one silently winning: not what
            raise UsageError(  # the user meant (a parameter takes one value)
                f"--param {key} is given twice ({values[key]!r} and {value!r}): a parameter "
                "takes one value",
                hint="run the query once per value",
            )
        values[key] = value
    return values


# --- read-only check and syntax errors ------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<var>[?$][A-Za-z0-9_]+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_-]*(?::[^\s;,.(){}\[\]]*)?|:[^\s;,.(){}\[\]]*)
      | (?P<other>\S)""",
    re.X,
)


def write_in(sparql: str, bindings: Mapping[str, Node], *, sub_selects: bool = False) -> str | None:
    """The query with each bound variable written in as its constant (``<iri>``, ``"text"``,
    ``"1997"^^xsd:gYear``, each serialised by rdflib: :func:`_constant`), so a value is data and
    never syntax; in a SELECT clause ``?v`` becomes ``(constant AS ?v)``, so that the column
    stays.

    Oxigraph plans a query with constants much better than one with bound variables, which it
    joins at the end: at 1.1 M statements ``search-by-name`` takes 65 ms instead of 970 ms, the
    lookups of one network 1-9 ms instead of 15-55 ms. None where writing in could change the
    meaning: a sub-SELECT (its variables are its own), MINUS (a constant shares no variable),
    ``BOUND``, ``SELECT *``, or a bound variable given its value by the query (``AS ?v``,
    ``VALUES ?v``); and for CONSTRUCT and DESCRIBE, which the catalogue gives no parameters.
    ``sub_selects``: the query's author says that a parameter's variable means the parameter in
    its sub-SELECTs too (``# parameters: everywhere``), so it is written in there as well."""
    if not bindings:
        return sparql
    words = [word for word, _ in _words(sparql)]
    refused = {"MINUS", "BOUND", "CONSTRUCT", "DESCRIBE"} & set(words)
    if refused or (words.count("SELECT") > 1 and not sub_selects):
        return None
    tokens = [m for m in _TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    constants = {name: _constant(term) for name, term in bindings.items()}
    parts: list[str] = []
    done = 0
    depth = 0
    selects: list[int] = []  # the depth of each SELECT still open (a sub-SELECT's is deeper)
    projecting = naming_values = False
    previous = ""
    for match in tokens:
        kind, text = match.lastgroup, match.group()
        if kind == "word" and text.upper() == "SELECT":
            projecting = True
            selects.append(depth)
        elif (kind == "word" and text.upper() == "WHERE") or text == "{":
            projecting = False
        if kind == "word" and text.upper() == "VALUES":
            naming_values = True  # the variables of a VALUES block, up to its data
        elif text == "{":
            naming_values = False
        if text == "*" and projecting:
            return None
        if kind == "other" and text in ("{", "}"):
            depth += 1 if text == "{" else -1
            while text == "}" and selects and depth < selects[-1]:  # a sub-SELECT closed
                selects.pop()
        if kind == "var" and text[1:] in constants:
            if previous == "AS" or naming_values:
                return None
            constant = constants[text[1:]]
            if projecting:
                constant = f"({constant} AS ?{text[1:]})"
            elif selects and depth == selects[-1]:  # after its SELECT's body: GROUP BY,
                # HAVING and ORDER BY take an expression in brackets
                constant = f"({constant})"
            parts += [sparql[done : match.start()], constant]
            done = match.end()
        previous = text.upper()
    return "".join(parts) + sparql[done:]


_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _constant(term: Node) -> str:
    """A term as SPARQL text, by rdflib's ``n3()`` (which escapes every quote, backslash and line
    break of a text); an IRI holding a character IRIs cannot is refused first, with a message."""
    if isinstance(term, URIRef) and _NOT_IN_IRI.search(term):
        raise UsageError(f"a parameter's IRI cannot hold spaces or any of <>\"{{}}|^`\\: {term}")
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise UsageError(f"a parameter cannot be a {type(term).__name__}")


def prepared(query: CatalogueQuery, bindings: Mapping[str, Node]) -> tuple[str, dict[str, Node]]:
    """The text to run for a catalogue query and the bindings left to the engine: the values
    written in (:func:`write_in`) unless the query's header says ``# parameters: bindings`` or
    writing in could change its meaning."""
    if query.parameters != "bindings":
        text = write_in(query.text, bindings, sub_selects=query.parameters == "everywhere")
        if text is not None:
            return text, {}
    return query.text, dict(bindings)


def _words(sparql: str) -> Iterator[tuple[str, int]]:
    """The bare keywords of a SPARQL text with their offsets (not inside strings, IRIs, comments,
    variables or prefixed names)."""
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "word" and ":" not in match.group():
            yield match.group().upper(), match.start()


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def query_form(sparql: str, line_offset: int = 0) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update or anything else is refused here, before an
    engine sees it, so that ``query`` can never change a store (local or remote).
    ``line_offset``: lines added before the user's text (the prefixes citygraph declares)."""
    form = None
    for word, offset in _words(sparql):
        if word in UPDATE_WORDS:
            line, col = _line_col(sparql, offset)
            line -= line_offset
            raise QueryError(
                f"refused: {word} at line {line}, column {col} makes this a SPARQL update; "
                "'citygraph query' only runs read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE)",
                hint="the data is changed by editing the files in data/ and rebuilding",
            )
        if form is None and word in QUERY_FORMS:
            form = word
    if form is None:
        raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    return form


_OX_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.S)
_RDFLIB_ERROR = re.compile(r"(.*?)\s*\(at char (\d+)\), \(line:(\d+), col:(\d+)\)", re.S)


def locate_syntax_error(message: str, sparql: str, name: str, line_offset: int = 0) -> str | None:
    """``NAME: SPARQL syntax error at line L, column C: what (near 'TEXT', in: 'LINE')`` from an
    engine message, or None when the message is not a located syntax error. A prefix used but not
    declared is said as such, and an error found where the text ends is placed there (not on the
    last line's first characters)."""
    found = _OX_ERROR.search(message)
    if found:
        line, col, what = int(found.group(1)), int(found.group(2)), found.group(3).strip()
    else:
        found = _RDFLIB_ERROR.search(message)
        if not found:
            return None
        what = found.group(1).split(": ", 1)[-1].strip()
        line, col = int(found.group(3)), int(found.group(4))
    lines = sparql.splitlines() or [""]
    index = min(max(line, 1), len(lines)) - 1
    text = lines[index]
    start = min(max(col - 1, 0), len(text))
    where = f"line {line - line_offset}, column {col}"
    prefix = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", text[:start])
    if "Prefix not found" in what and prefix:
        declared = prefix.group(1) or ""
        return (
            f"{name}: SPARQL syntax error at {where}: the prefix {declared}: is not declared; "
            f"add PREFIX {declared}: <its namespace IRI> (in: {text.strip()!r})"
        )
    what = _readable(what)
    if line > len(lines) or col > len(text):  # where the text ends: something is missing
        last = next((t.strip() for t in reversed(lines) if t.strip()), "")
        last = last if len(last) <= 60 else "..." + last[-40:]
        ended = f"(it ends: {last!r})"
        return f"{name}: SPARQL syntax error at the end of the query ({where}): {what} {ended}"
    # pyoxigraph points just after the token it choked on: show the token around that column
    near = text[max(0, start - 12) : start + 12].strip() or text.strip()
    return f"{name}: SPARQL syntax error at {where}: {what} (near {near!r}, in: {text.strip()!r})"


def _readable(what: str) -> str:
    """An engine's list of expected tokens without its character classes (``['A' ..= 'Z' |
    ...]``: the characters a name may hold), which say nothing to a reader."""
    if not what.startswith("expected one of "):
        return what
    items = what[16:].split(", ")
    kept = [item for item in items if item and not item.startswith("[")]
    if len(kept) == len(items):
        return what
    if not kept:
        return "unexpected text"
    return f"expected {kept[0]}" if len(kept) == 1 else f"expected one of {', '.join(kept)}"


def with_prefixes(sparql: str) -> tuple[str, int]:
    """An ad-hoc query with the project's prefixes it uses but does not declare, on one added first
    line (so error lines shift by exactly one). Returns the text and the number of added lines."""
    declared = {m.lower() for m in re.findall(r"(?i)PREFIX\s+([A-Za-z0-9_.-]*):", sparql)}
    used = {m for m in re.findall(r"(?<![\w?$<])([A-Za-z][A-Za-z0-9_-]*):", sparql)}
    missing = [p for p in PREFIXES if p in used and p not in declared]
    if not missing:
        return sparql, 0
    head = " ".join(f"PREFIX {p}: <{PREFIXES[p]}>" for p in missing)
    return f"{head}\n{sparql}", 1


# --- results --------------------------------------------------------------------------------


class Rows(list):
    """Rows of a SELECT, each a named tuple (``row.network``, ``row[0]``) of rdflib terms or None.

    Also carries ``vars`` (the column names in order) and, for ASK and CONSTRUCT/DESCRIBE,
    ``boolean`` and ``triples``; its truth is then the answer (``bool(rows)`` of an ASK is its
    ``boolean``, of a CONSTRUCT whether it made triples), not that of the empty row list.
    """

    def __init__(
        self,
        vars: Sequence[str],
        rows: Sequence[Sequence[Node | None]] = (),
        *,
        kind: str = "select",
        boolean: bool | None = None,
        triples: Sequence[tuple[Node, Node, Node]] = (),
    ) -> None:
        self.vars = list(vars)
        self.kind = kind
        self.boolean = boolean
        self.triples = list(triples)
        self.Row = namedtuple("Row", self.vars, rename=True) if self.vars else None
        if self.Row:
            with collector.paused():  # thousands of rows: see collector.py
                super().__init__(map(self.Row._make, rows))

    def __bool__(self) -> bool:
        if self.kind == "ask":
            return bool(self.boolean)
        if self.kind != "select":
            return bool(self.triples)
        return len(self) > 0

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (IRIs as strings, literals as Python values): a SELECT's rows, or a
        CONSTRUCT's or DESCRIBE's triples as the columns subject, predicate, object; needs the
        ``citygraph[pandas]`` extra."""
        if self.kind == "ask":
            raise UsageError("an ASK query answers True or False (its .boolean), not a table")
        try:
            import pandas as pd
        except ImportError:
            raise UsageError(
                "to_dataframe() needs pandas", hint="pip install 'citygraph[pandas]'"
            ) from None
        if self.kind != "select":
            data = [[_python(v) for v in triple] for triple in self.triples]
            return pd.DataFrame(data, columns=["subject", "predicate", "object"])
        data = [[_python(v) for v in row] for row in self]
        return pd.DataFrame(data, columns=self.vars)


def _python(term: Node | None) -> Any:
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return str(term)


def rows_of(result: QueryResult, drop: Sequence[str] = ()) -> Rows:
    """The engine's result as :class:`Rows`, without the columns named in ``drop``."""
    if result.kind != "select":
        return Rows([], kind=result.kind, boolean=result.boolean, triples=result.triples)
    keep = [i for i, v in enumerate(result.vars) if v not in drop]
    if len(keep) == len(result.vars):
        return Rows(result.vars, result.rows)
    return Rows([result.vars[i] for i in keep], (tuple(r[i] for i in keep) for r in result.rows))


# --- running --------------------------------------------------------------------------------


def run_sparql(
    target: Any,
    sparql: str,
    bindings: Mapping[str, Node] | None = None,
    *,
    name: str = "query",
    line_offset: int = 0,
) -> QueryResult:
    """Run a read-only query, turning an engine's syntax error into a located one-line message."""
    query_form(sparql, line_offset)
    try:
        return target.sparql(sparql, bindings or {})
    except QueryError as error:
        located = locate_syntax_error(error.message, sparql, name, line_offset)
        if located:
            raise QueryError(located) from None
        raise


def run_named(kg: Any, name: str, params: Mapping[str, Any] | None = None) -> Rows:
    """Run the catalogue query ``name`` with its parameters (written in or bound: :func:`prepared`);
    parameter columns (constant by construction) are dropped from the rows."""
    query = get(name)
    text, bindings = prepared(query, bind(query, params or {}))
    result = run_sparql(kg, text, bindings, name=query.path.name)
    return rows_of(result, drop=[p.name for p in query.params])


def run_text(kg: Any, sparql: str, name: str = "query") -> Rows:
    """Run an ad-hoc query; the project's prefixes are available without declaring them."""
    text, added = with_prefixes(sparql)
    return rows_of(run_sparql(kg, text, name=name, line_offset=added))


# --- formats --------------------------------------------------------------------------------

_COMPACT = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


def compact(term: Node | None) -> str:
    """A term as a person reads it: ``id:marseille``, ``org:memberOf``, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for ns, prefix in _COMPACT:
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns) :]}"
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _table(rows: Rows) -> str:
    """Aligned columns; where the query gives ``?xLabel`` beside ``?x``, the label stands in for
    the IRI (the IRI stays in csv/tsv/json)."""
    if rows.kind == "ask":
        return "true\n" if rows.boolean else "false\n"
    shown = [v for v in rows.vars if not (v.endswith("Label") and v[:-5] in rows.vars)]
    columns = []
    for var in shown:
        label = f"{var}Label" if f"{var}Label" in rows.vars else None
        i, j = rows.vars.index(var), rows.vars.index(label) if label else None
        cells = [
            compact(r[j]) if j is not None and r[j] is not None else compact(r[i]) for r in rows
        ]
        columns.append([var, *[c.replace("\n", " ") for c in cells]])
    widths = [max(len(c) for c in col) for col in columns]
    lines = []
    for k in range(len(rows) + 1):
        cells = [col[k].ljust(w) for col, w in zip(columns, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _csv_cell(term: Node | None) -> str:
    return "" if term is None else (f"_:{term}" if isinstance(term, BNode) else str(term))


def _tsv_cell(term: Node | None) -> str:
    return "" if term is None else term.n3()


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def results_json(rows: Rows) -> dict[str, Any]:
    """SPARQL 1.1 Query Results JSON."""
    if rows.kind == "ask":
        return {"head": {}, "boolean": bool(rows.boolean)}
    bindings = [
        {v: _json_term(t) for v, t in zip(rows.vars, row, strict=True) if t is not None}
        for row in rows
    ]
    return {"head": {"vars": rows.vars}, "results": {"bindings": bindings}}


def format_rows(rows: Rows, fmt: str) -> str:
    """The rows in an output format; a format that cannot carry the result is a usage error."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if rows.kind == "construct":
        if fmt not in ("turtle", "table"):
            raise UsageError(
                f"a CONSTRUCT or DESCRIBE result is RDF: use --format turtle, not {fmt}"
            )
        return _turtle(rows)
    if fmt == "turtle":
        raise UsageError(
            "--format turtle is for CONSTRUCT and DESCRIBE queries; "
            "a SELECT or ASK result is table, csv, tsv or json"
        )
    if fmt == "table":
        return _table(rows)
    if fmt == "json":
        return json.dumps(results_json(rows), ensure_ascii=False, indent=2) + "\n"
    if rows.kind == "ask":
        return ("_askResult\n" if fmt == "csv" else "?_askResult\n") + (
            "true\n" if rows.boolean else "false\n"
        )
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(rows.vars)
        writer.writerows([_csv_cell(t) for t in row] for row in rows)
        return buffer.getvalue()
    lines = ["\t".join(f"?{v}" for v in rows.vars)]
    lines += ["\t".join(_tsv_cell(t) for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def _turtle(rows: Rows) -> str:
    from rdflib import Graph

    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    for triple in rows.triples:
        graph.add(triple)
    return graph.serialize(format="turtle")


# --- the expected-results convention (tests and docs) ---------------------------------------


def short(term: Node | None) -> str | None:
    """A term as the expected-results files write it: our resources by their slug, other IRIs in
    full, literals by their lexical form."""
    if term is None:
        return None
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(str(ID)):
        return text[len(str(ID)) :]
    if isinstance(term, Literal) and isinstance(term.toPython(), Decimal):
        return str(term)
    return text


@dataclass
class Expected:
    """What a catalogue query must answer for some parameters, worked out by hand."""

    params: dict[str, str]
    columns: list[str]
    rows: list[list[str | None]]
    ordered: bool = False
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def sparql(kg: Any, text: str) -> Rows:
    """Ad-hoc SPARQL for the Python API: ``citygraph.query.sparql(kg, "SELECT ...")`` gives the
    same :class:`Rows` as a named query (the project's prefixes need not be declared)."""
    return run_text(kg, text, name="sparql")
