"""What changed between two exports: the statements added and removed, grouped by entity.

A portal publishes this as the change log of a release. Both files are read by the same engine
as everything else and compared as sets of canonical N-Quads lines, so the comparison is exact
(one spelling per term) and fast on large exports. Files in a triple format are compared as
triples; if both are quad formats (TriG, N-Quads) the named graph (the source) counts too, so a
claim moved from one source to another shows up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .engine import OxigraphEngine, format_of, statement_lines
from .export import CANDIDATE_PREFIXES
from .graph import SourceFile, read_text
from .namespaces import GRAPH

QUAD_FORMATS = ("nquads", "trig")


@dataclass
class EntityChange:
    entity: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Diff:
    old: str
    new: str
    entities: list[EntityChange]

    @property
    def added(self) -> int:
        return sum(len(e.added) for e in self.entities)

    @property
    def removed(self) -> int:
        return sum(len(e.removed) for e in self.entities)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.removed} removed, "
            f"{len(self.entities)} entities changed ({self.old} -> {self.new})"
        )

    def text(self) -> str:
        lines = [self.summary()]
        for change in self.entities:
            lines.append("")
            lines.append(_short(change.entity))
            lines += [f"  - {_readable(s)}" for s in change.removed]
            lines += [f"  + {_readable(s)}" for s in change.added]
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        document = {
            "old": self.old,
            "new": self.new,
            "added": self.added,
            "removed": self.removed,
            "entities": [
                {"entity": c.entity, "added": c.added, "removed": c.removed} for c in self.entities
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def statements(path: Path, as_quads: bool) -> set[str]:
    """The file's statements as canonical N-Triples (or N-Quads) lines.

    Read errors name the file (and line and column for syntax errors)."""
    path = Path(path)
    raw = read_text(SourceFile(path, None, str(path)))
    engine = OxigraphEngine()
    engine.load_data(raw, format_of(path), None, name=str(path))
    if as_quads:
        return set(statement_lines(engine.serialize("nquads")))
    return set(statement_lines(engine.serialize("ntriples", "*")))


def diff(old: Path, new: Path) -> Diff:
    as_quads = format_of(Path(old)) in QUAD_FORMATS and format_of(Path(new)) in QUAD_FORMATS
    before = statements(old, as_quads)
    after = statements(new, as_quads)
    changes: dict[str, EntityChange] = {}
    for line in sorted(after - before):
        changes.setdefault(_subject(line), EntityChange(_subject(line))).added.append(line)
    for line in sorted(before - after):
        changes.setdefault(_subject(line), EntityChange(_subject(line))).removed.append(line)
    return Diff(str(old), str(new), [changes[k] for k in sorted(changes)])


def _subject(line: str) -> str:
    token = line.split(" ", 1)[0]
    return token[1:-1] if token.startswith("<") else token


def _short(iri: str) -> str:
    best = ""
    for name, namespace in CANDIDATE_PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, short = namespace, f"{name}:{iri[len(namespace) :]}"
    return short if best else iri if iri.startswith("_:") else f"<{iri}>"


def _term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return _short(term.value)
    if (
        isinstance(term, ox.Literal)
        and term.datatype.value.startswith("http://www.w3.org/2001/XMLSchema#")
        and not term.language
    ):
        if term.datatype.value.endswith("#string"):
            return json.dumps(term.value, ensure_ascii=False)
        return f"{json.dumps(term.value, ensure_ascii=False)}^^xsd:{term.datatype.value[33:]}"
    return str(term)


def _readable(line: str) -> str:
    """``predicate object [in graph]`` with prefixed names, for the text report."""
    fmt = ox.RdfFormat.N_QUADS
    quad = next(iter(ox.parse(line + "\n", format=fmt)))
    text = f"{_term(quad.predicate)} {_term(quad.object)}"
    if isinstance(quad.graph_name, ox.NamedNode):
        graph = quad.graph_name.value
        name = graph[len(str(GRAPH)) :] if graph.startswith(str(GRAPH)) else _short(graph)
        text += f"  [{name}]"
    return text
