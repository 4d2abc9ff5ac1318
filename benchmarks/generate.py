"""Synthetic citygraph data at three sizes, deterministic by seed, for benchmarks and scale tests.

    python benchmarks/generate.py --size S|M|L --seed 1 -o FILE.nq   (or .trig, .nt, .ttl)

Why synthetic: the shipped data holds a few hundred entities; researchers merge membership tables
of tens of thousands of rows. The generator writes graphs shaped like ours (docs/model.md and
../shared/vocabulary.md): cities with ISO country codes and coordinates, labels in French and
English, networks with sections, internal units, mergers (``org:ChangeEvent``), founders, founding
dates at year / month / day precision, reported sizes, and memberships stated three ways
(``org:memberOf``, ``org:hasMember`` and an ``org:Membership`` node with role and dated interval).
Every typed resource carries ``dcterms:source`` in the named graph of its synthetic source.

Deliberate violations (``--violations``, the default) are placed at known spots and described in a
sidecar JSON file (``FILE.violations.json``) so that a test can check that validation finds exactly
them. ``--no-violations`` writes the same graph with those spots correct.

It streams: terms are formatted as N-Triples strings and written line by line (quad formats go
straight to the file; TriG goes through one temporary file per named graph, then is stitched), so
the largest size (1,000,000 memberships, about 10 million quads) needs little memory.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# --- vocabulary (N-Triples forms; the generator runs without importing rdflib) ------------------

ID = "https://w3id.org/citygraph/id/"
GRAPH = "https://w3id.org/citygraph/graph/"
CG = "https://w3id.org/citygraph/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SDO = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
WD = "http://www.wikidata.org/entity/"


def iri(value: str) -> str:
    return f"<{value}>"


def rid(slug: str) -> str:
    """One of our resources, by slug."""
    return f"<{ID}{slug}>"


A = iri(RDF + "type")
LABEL = iri(RDFS + "label")
DESCRIPTION = iri(DCT + "description")
SOURCE = iri(DCT + "source")
ALT = iri(SKOS + "altLabel")
T = {  # the terms used below, by short name
    name: iri(base + local)
    for name, base, local in [
        ("City", CG, "City"),
        ("CityNetwork", CG, "CityNetwork"),
        ("InternationalBody", CG, "InternationalBody"),
        ("Programme", CG, "Programme"),
        ("Forum", CG, "Forum"),
        ("Charter", CG, "Charter"),
        ("InternalUnit", CG, "InternalUnit"),
        ("Merger", CG, "Merger"),
        ("ReportedSize", CG, "ReportedSize"),
        ("sectionOf", CG, "sectionOf"),
        ("nationalSectionOf", CG, "nationalSectionOf"),
        ("reportedSize", CG, "reportedSize"),
        ("approximate", CG, "approximate"),
        ("theme", CG, "theme"),
        ("geographicScope", CG, "geographicScope"),
        ("memberKind", CG, "memberKind"),
        ("initiator", CG, "initiator"),
        ("successorOf", CG, "successorOf"),
        ("predecessorOf", CG, "predecessorOf"),
        ("sCity", SDO, "City"),
        ("sOrganization", SDO, "Organization"),
        ("QuantitativeValue", SDO, "QuantitativeValue"),
        ("addressCountry", SDO, "addressCountry"),
        ("foundingDate", SDO, "foundingDate"),
        ("dissolutionDate", SDO, "dissolutionDate"),
        ("founder", SDO, "founder"),
        ("foundingLocation", SDO, "foundingLocation"),
        ("location", SDO, "location"),
        ("url", SDO, "url"),
        ("value", SDO, "value"),
        ("minValue", SDO, "minValue"),
        ("unitText", SDO, "unitText"),
        ("FormalOrganization", ORG, "FormalOrganization"),
        ("OrganizationalCollaboration", ORG, "OrganizationalCollaboration"),
        ("OrganizationalUnit", ORG, "OrganizationalUnit"),
        ("Membership", ORG, "Membership"),
        ("Role", ORG, "Role"),
        ("ChangeEvent", ORG, "ChangeEvent"),
        ("memberOf", ORG, "memberOf"),
        ("hasMember", ORG, "hasMember"),
        ("member", ORG, "member"),
        ("organization", ORG, "organization"),
        ("role", ORG, "role"),
        ("memberDuring", ORG, "memberDuring"),
        ("subOrganizationOf", ORG, "subOrganizationOf"),
        ("hasSubOrganization", ORG, "hasSubOrganization"),
        ("unitOf", ORG, "unitOf"),
        ("hasUnit", ORG, "hasUnit"),
        ("originalOrganization", ORG, "originalOrganization"),
        ("resultingOrganization", ORG, "resultingOrganization"),
        ("changedBy", ORG, "changedBy"),
        ("resultedFrom", ORG, "resultedFrom"),
        ("Interval", TIME, "Interval"),
        ("Instant", TIME, "Instant"),
        ("hasBeginning", TIME, "hasBeginning"),
        ("hasEnd", TIME, "hasEnd"),
        ("inXSDDate", TIME, "inXSDDate"),
        ("inXSDgYearMonth", TIME, "inXSDgYearMonth"),
        ("inXSDgYear", TIME, "inXSDgYear"),
        ("Activity", PROV, "Activity"),
        ("Entity", PROV, "Entity"),
        ("BibliographicResource", DCT, "BibliographicResource"),
        ("title", DCT, "title"),
        ("language", DCT, "language"),
        ("date", DCT, "date"),
        ("subject", DCT, "subject"),
        ("replaces", DCT, "replaces"),
        ("isReplacedBy", DCT, "isReplacedBy"),
        ("Concept", SKOS, "Concept"),
        ("ConceptScheme", SKOS, "ConceptScheme"),
        ("inScheme", SKOS, "inScheme"),
        ("topConceptOf", SKOS, "topConceptOf"),
        ("hasTopConcept", SKOS, "hasTopConcept"),
        ("broader", SKOS, "broader"),
        ("prefLabel", SKOS, "prefLabel"),
        ("lat", GEO, "lat"),
        ("long", GEO, "long"),
        ("sameAs", OWL, "sameAs"),
    ]
}


def esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lang(text: str, tag: str) -> str:
    return f'"{esc(text)}"@{tag}'


def plain(text: str) -> str:
    return f'"{esc(text)}"'


def typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


# --- sizes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    cities: int
    networks: int
    memberships: int
    sources: int


SIZES: dict[str, Size] = {
    "XS": Size(cities=100, networks=12, memberships=300, sources=4),  # for the test suite
    "S": Size(cities=1_000, networks=50, memberships=5_000, sources=8),
    "M": Size(cities=20_000, networks=300, memberships=100_000, sources=24),
    "L": Size(cities=100_000, networks=500, memberships=1_000_000, sources=40),
}

COUNTRIES = (  # noqa: SIM905 - a readable block of codes
    "FR ES IT DE PT BE NL GB IE GR MA TN DZ EG TR LB IL PL CZ AT CH SE NO DK FI HU RO BG HR SI "
    "US CA MX BR AR CL CO PE JP CN KR IN ID PH VN TH ZA NG KE SN CI CM"
).split()
SYLLABLES = (  # noqa: SIM905
    "ba bel ca cor da del fa gal ha ka la lis ma mar na nor pa por ra ros sa sel ta tor va ven "
    "za zor bri cle dro fle gra pla stra tre vil mon san ber lo ri ne"
).split()
THEMES = [
    ("urban-management", "Gestion urbaine", "Urban management"),
    ("environment", "Environnement", "Environment"),
    ("climate", "Climat", "Climate"),
    ("culture", "Culture", "Culture"),
    ("economic-development", "Développement économique", "Economic development"),
    ("mobility", "Mobilité", "Mobility"),
    ("democracy", "Démocratie", "Democracy"),
    ("ports", "Villes portuaires", "Port cities"),
    ("risk-prevention", "Prévention des risques", "Risk prevention"),
    ("solidarity", "Solidarité", "Solidarity"),
]
SCOPES = [
    ("world", "Monde", "World"),
    ("europe", "Europe", "Europe"),
    ("mediterranean", "Méditerranée", "Mediterranean"),
    ("africa", "Afrique", "Africa"),
    ("americas", "Amériques", "Americas"),
    ("asia", "Asie", "Asia"),
    ("national", "National", "National"),
]
ROLES = [
    ("member", "Membre", "Member"),
    ("founding-member", "Membre fondateur", "Founding member"),
    ("party", "Partie signataire", "Party"),
    ("associate-member", "Membre associé", "Associate member"),
    ("observer", "Observateur", "Observer"),
]
KINDS = [
    ("CityNetwork", 0.80, "Réseau", "Network"),
    ("InternationalBody", 0.06, "Organisme", "Body"),
    ("Programme", 0.05, "Programme", "Programme"),
    ("Forum", 0.04, "Forum", "Forum"),
    ("Charter", 0.05, "Charte", "Charter"),
]
CLASSES_OF_KIND = {
    "CityNetwork": ("CityNetwork", "FormalOrganization", "sOrganization"),
    "InternationalBody": ("InternationalBody", "FormalOrganization", "sOrganization"),
    "Programme": ("Programme", "FormalOrganization", "sOrganization"),
    "Forum": ("Forum", "FormalOrganization", "sOrganization"),
    "Charter": ("Charter", "OrganizationalCollaboration", "sOrganization"),
}
REFERENCE_SOURCE = "synthetic-reference"


# --- the writers ------------------------------------------------------------------------------


class QuadWriter:
    """Writes statements as N-Quads, TriG, N-Triples or Turtle (union of graphs), streaming."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.count = 0
        self._tmp: Path | None = None
        self._graph_files: dict[str, IO[str]] = {}
        self._graph_order: list[str] = []
        self._out: IO[str] = open(  # noqa: SIM115 - closed in close()
            path, "w", encoding="utf-8", newline="\n", buffering=1 << 20
        )
        if fmt == "trig":
            self._tmp = Path(tempfile.mkdtemp(prefix="citygraph-gen-"))
        if fmt == "turtle":
            self._out.write("# Synthetic citygraph data (union of the synthetic sources)\n")

    def writer_for(self, graph_slug: str) -> Callable[[str, str, str], None]:
        """A function ``emit(s, p, o)`` that writes into the named graph of one source."""
        out = self._out
        if self.fmt == "nquads":
            suffix = f" <{GRAPH}{graph_slug}> .\n"

            def emit(s: str, p: str, o: str) -> None:
                out.write(f"{s} {p} {o}{suffix}")
                self.count += 1

            return emit
        if self.fmt == "trig":
            assert self._tmp is not None
            if graph_slug not in self._graph_files:
                self._graph_order.append(graph_slug)
                self._graph_files[graph_slug] = open(  # noqa: SIM115 - closed in close()
                    self._tmp / f"{len(self._graph_order):05d}.nt",
                    "w",
                    encoding="utf-8",
                    newline="\n",
                    buffering=1 << 18,
                )
            handle = self._graph_files[graph_slug]

            def emit(s: str, p: str, o: str) -> None:
                handle.write(f"{s} {p} {o} .\n")
                self.count += 1

            return emit

        def emit(s: str, p: str, o: str) -> None:
            out.write(f"{s} {p} {o} .\n")
            self.count += 1

        return emit

    def close(self) -> None:
        if self.fmt == "trig":
            assert self._tmp is not None
            for number, slug in enumerate(self._graph_order, 1):
                self._graph_files[slug].close()
                self._out.write(f"<{GRAPH}{slug}> {{\n")
                with open(self._tmp / f"{number:05d}.nt", encoding="utf-8") as part:
                    shutil.copyfileobj(part, self._out, 1 << 20)
                self._out.write("}\n")
            shutil.rmtree(self._tmp)
        self._out.close()


# --- the generator ----------------------------------------------------------------------------


@dataclass
class Org:
    index: int
    slug: str
    kind: str
    source: str
    founded: int
    label_fr: str
    label_en: str
    dissolved: int | None = None
    members: list[int] = field(default_factory=list)
    founders: list[int] = field(default_factory=list)


@dataclass
class Violation:
    """One deliberate mistake and what should find it."""

    kind: str
    focus: str
    path: str | None
    value: str | None
    description: str
    # What validation must report for it: {"check": "shacl" or a quality query's name,
    # "focus": IRI, "path": IRI or None, "shape": the source shape IRI for SHACL}.
    findings: list[dict[str, str | None]]


SHAPES = "https://w3id.org/citygraph/shapes#"


def _finding(
    check: str, focus: str, path: str | None, shape: str | None = None
) -> dict[str, str | None]:
    """An expected finding: a SHACL result (with its source shape) or a quality-query row."""
    return {
        "check": check,
        "focus": focus,
        "path": path,
        "shape": SHAPES + shape if shape else None,
    }


class Generator:
    """Builds one synthetic graph. Everything random comes from one ``random.Random(seed)``."""

    def __init__(self, size: str, seed: int, violations: bool) -> None:
        self.size_name = size
        self.size = SIZES[size]
        self.seed = seed
        self.rng = random.Random(seed)
        self.with_violations = violations
        self.violations: list[Violation] = []
        self.sources = [REFERENCE_SOURCE] + [
            f"synthetic-registry-{n:02d}" for n in range(1, self.size.sources)
        ]
        self.city_slugs: list[str] = []
        self.city_source: list[int] = []
        self.orgs: list[Org] = []
        self.emitters: dict[str, Callable[[str, str, str], None]] = {}
        self.stats: dict[str, int] = {}
        # Where the deliberate violations go: fixed, documented positions (see ``spots``).
        n = self.size
        self.bad_country_city = n.cities // 2
        self.bad_membership = n.memberships // 3
        self.bad_date_membership = (2 * n.memberships) // 3
        self.dangling_org = n.networks // 2

    # The writer is set by :meth:`write`.
    def emit(self, source: str) -> Callable[[str, str, str], None]:
        return self.emitters[source]

    def write(self, writer: QuadWriter) -> None:
        self.emitters = {s: writer.writer_for(s) for s in self.sources}
        self._sources()
        self._concepts()
        self._cities()
        self._organizations()
        self._memberships()
        self.stats["quads"] = writer.count

    # --- sources and concepts ------------------------------------------------------------------

    def _sources(self) -> None:
        for number, slug in enumerate(self.sources):
            e = self.emit(slug)
            s = rid(f"source/{slug}")
            e(s, A, T["BibliographicResource"])
            e(s, A, T["Entity"])
            title = (
                "Synthetic reference vocabulary"
                if number == 0
                else f"Synthetic membership registry {number:02d}"
            )
            e(s, T["title"], lang(title, "en"))
            e(s, LABEL, lang(title.replace("Synthetic", "Synthétique"), "fr"))
            e(s, LABEL, lang(title, "en"))
            e(s, T["url"], iri(f"https://example.org/citygraph-synthetic/{slug}"))
            e(s, T["language"], plain("en" if number % 2 else "fr"))
            e(s, T["date"], typed(str(2000 + number % 24), "gYear"))

    def _concept(self, slug: str, fr: str, en: str, top: str | None) -> None:
        e = self.emit(REFERENCE_SOURCE)
        c = rid(slug)
        scheme = rid("scheme/citygraph")
        e(c, A, T["Concept"])
        e(c, T["inScheme"], scheme)
        e(c, LABEL, lang(fr, "fr"))
        e(c, LABEL, lang(en, "en"))
        e(c, T["prefLabel"], lang(fr, "fr"))
        e(c, T["prefLabel"], lang(en, "en"))
        if top is None:
            e(c, T["topConceptOf"], scheme)
            e(scheme, T["hasTopConcept"], c)
        else:
            e(c, T["broader"], rid(f"concept/{top}"))
        e(c, SOURCE, rid(f"source/{REFERENCE_SOURCE}"))

    def _concepts(self) -> None:
        e = self.emit(REFERENCE_SOURCE)
        scheme = rid("scheme/citygraph")
        e(scheme, A, T["ConceptScheme"])
        e(scheme, LABEL, lang("Schéma de concepts de citygraph", "fr"))
        e(scheme, LABEL, lang("citygraph concept scheme", "en"))
        e(scheme, SOURCE, rid(f"source/{REFERENCE_SOURCE}"))
        tops = [
            ("theme", "Thème", "Theme"),
            ("scope", "Portée géographique", "Geographic scope"),
            ("principle", "Principe", "Principle"),
            ("member-kind", "Type de membres", "Kind of members"),
            ("role", "Rôle", "Role"),
        ]
        for slug, fr, en in tops:
            self._concept(f"concept/{slug}", fr, en, None)
        for slug, fr, en in THEMES:
            self._concept(f"concept/{slug}", fr, en, "theme")
        for slug, fr, en in SCOPES:
            self._concept(f"concept/{slug}", fr, en, "scope")
        self._concept("concept/cities", "Villes", "Cities", "member-kind")
        for slug, fr, en in ROLES:
            self._concept(f"role/{slug}", fr, en, "role")
            e(rid(f"role/{slug}"), A, T["Role"])

    # --- cities --------------------------------------------------------------------------------

    def _name(self, index: int) -> str:
        rng = self.rng
        parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))]
        return "".join(parts).capitalize() + f" {index + 1}"

    def _cities(self) -> None:
        rng = self.rng
        n_sources = len(self.sources)
        for i in range(self.size.cities):
            name = self._name(i)
            slug = name.lower().replace(" ", "-")
            self.city_slugs.append(slug)
            home = 1 + i % (n_sources - 1)
            self.city_source.append(home)
            country = COUNTRIES[min(int(rng.expovariate(0.12)), len(COUNTRIES) - 1)]
            lat = f"{rng.uniform(-55.0, 70.0):.4f}"
            lon = f"{rng.uniform(-170.0, 175.0):.4f}"
            if self.with_violations and i == self.bad_country_city:
                country = "XX"
                self.violations.append(
                    Violation(
                        "bad-country-code",
                        f"{ID}{slug}",
                        f"{SDO}addressCountry",
                        "XX",
                        'schema:addressCountry "XX" is not an ISO 3166-1 alpha-2 country code',
                        [
                            _finding(
                                "shacl",
                                f"{ID}{slug}",
                                f"{SDO}addressCountry",
                                "CityShape-addressCountry",
                            )
                        ],
                    )
                )
            described_in = [home]
            if rng.random() < 0.1:  # a second source also describes the city
                described_in.append(1 + (home + 7) % (n_sources - 1))
            for number, source_index in enumerate(described_in):
                source = self.sources[source_index]
                e = self.emit(source)
                c = rid(slug)
                e(c, A, T["City"])
                e(c, A, T["sCity"])
                if number == 0:
                    e(c, LABEL, lang(name, "fr"))
                    e(c, LABEL, lang(name, "en"))
                    e(c, T["addressCountry"], plain(country))
                    e(c, T["lat"], typed(lat, "decimal"))
                    e(c, T["long"], typed(lon, "decimal"))
                    if i % 4 == 0:
                        e(c, T["sameAs"], iri(f"{WD}Q{100000 + i}"))
                else:
                    e(c, ALT, plain(name.upper()))
                e(c, SOURCE, rid(f"source/{source}"))
        self.stats["cities"] = self.size.cities

    # --- organizations -------------------------------------------------------------------------

    def _org_kind(self) -> str:
        u = self.rng.random()
        for kind, share, _fr, _en in KINDS:
            if u < share:
                return kind
            u -= share
        return "CityNetwork"

    def _date(self, year: int) -> tuple[str, str]:
        """A date at a random precision: (lexical form, xsd datatype local name)."""
        u = self.rng.random()
        if u < 0.5:
            return str(year), "gYear"
        month = self.rng.randint(1, 12)
        if u < 0.8:
            return f"{year}-{month:02d}", "gYearMonth"
        return f"{year}-{month:02d}-{self.rng.randint(1, 28):02d}", "date"

    def _organizations(self) -> None:
        rng = self.rng
        n = self.size.networks
        n_sources = len(self.sources)
        for j in range(n):
            kind = self._org_kind()
            fr_kind = next(k[2] for k in KINDS if k[0] == kind)
            en_kind = next(k[3] for k in KINDS if k[0] == kind)
            stem = "".join(rng.choice(SYLLABLES) for _ in range(2)).upper()
            slug = f"{stem.lower()}-{kind.lower()}-{j + 1}"
            self.orgs.append(
                Org(
                    j,
                    slug,
                    kind,
                    self.sources[1 + j % (n_sources - 1)],
                    rng.randint(1913, 2015),
                    f"{fr_kind} {stem} {j + 1}",
                    f"{stem} {en_kind} {j + 1}",
                )
            )
        self._allocate_members()
        # Mergers: a few organizations result from two or three earlier ones (which dissolve).
        networks = [o for o in self.orgs if o.kind == "CityNetwork"]
        merged: set[int] = set()
        mergers: list[tuple[Org, list[Org], int]] = []
        for result in networks[: max(2, len(networks) // 20)]:
            candidates = [
                o
                for o in networks
                if o.index not in merged and o is not result and o.founded < 1990
            ]
            if len(candidates) < 3:
                break
            predecessors = rng.sample(candidates, rng.randint(2, 3))
            year = max(p.founded for p in predecessors) + rng.randint(5, 25)
            result.founded = year
            for p in predecessors:
                merged.add(p.index)
                p.dissolved = year
            merged.add(result.index)
            mergers.append((result, predecessors, year))
        for org in self.orgs:
            self._organization(org)
        for result, predecessors, year in mergers:
            self._merger(result, predecessors, year)
        self._sections()
        self.stats["networks"] = n
        self.stats["mergers"] = len(mergers)

    def _allocate_members(self) -> None:
        """How many members each organization has: a heavy tail, charters small, sums exact."""
        rng = self.rng
        n_cities = self.size.cities
        total = self.size.memberships
        charters = [o for o in self.orgs if o.kind == "Charter"]
        others = [o for o in self.orgs if o.kind != "Charter"]
        for charter in charters:
            charter.members = [0] * rng.randint(2, 6)
        remaining = total - sum(len(c.members) for c in charters)
        weights = [1.0 / (rank + 3) ** 0.9 for rank in range(len(others))]
        cap = int(n_cities * 0.6)
        counts = [0] * len(others)
        open_ = list(range(len(others)))
        while remaining > 0 and open_:
            w_sum = sum(weights[k] for k in open_)
            share = remaining
            for k in open_:
                counts[k] += max(1, int(share * weights[k] / w_sum))
            excess = 0
            for k in open_:
                if counts[k] > cap:
                    excess += counts[k] - cap
                    counts[k] = cap
            over = sum(counts) - (total - sum(len(c.members) for c in charters))
            if over > 0:  # rounding up with max(1, ...) overshot: take it back from the largest
                for k in sorted(open_, key=lambda k: -counts[k]):
                    take = min(over, counts[k] - 1)
                    counts[k] -= take
                    over -= take
                    if not over:
                        break
            remaining = (total - sum(len(c.members) for c in charters)) - sum(counts)
            open_ = [k for k in open_ if counts[k] < cap]
        order = list(range(len(others)))
        rng.shuffle(order)  # big and small networks spread over the indices
        for k, org_pos in enumerate(order):
            others[org_pos].members = [0] * counts[k]
        for org in self.orgs:
            org.members = self._pick_cities(len(org.members))
            if org.kind != "Charter" and org.members:
                org.founders = sorted(org.members[: rng.randint(0, min(4, len(org.members)))])

    def _pick_cities(self, count: int) -> list[int]:
        """``count`` distinct cities, favouring the low indices (big cities join more networks)."""
        rng = self.rng
        n = self.size.cities
        if count > n // 10:
            return rng.sample(range(n), count)
        chosen: dict[int, None] = {}
        while len(chosen) < count:
            chosen.setdefault(int(n * rng.random() ** 1.6), None)
        return list(chosen)

    def _organization(self, org: Org) -> None:
        rng = self.rng
        e = self.emit(org.source)
        o = rid(org.slug)
        for cls in CLASSES_OF_KIND[org.kind]:
            e(o, A, T[cls])
        e(o, LABEL, lang(org.label_fr, "fr"))
        e(o, LABEL, lang(org.label_en, "en"))
        acronym = org.slug.split("-")[0].upper()
        e(o, ALT, plain(acronym))
        e(o, ALT, plain(".".join(acronym) + "."))
        e(o, DESCRIPTION, lang(f"{org.label_fr}, organisation synthétique.", "fr"))
        e(o, DESCRIPTION, lang(f"{org.label_en}, a synthetic organization.", "en"))
        theme = rid(f"concept/{THEMES[org.index % len(THEMES)][0]}")
        scope = rid(f"concept/{SCOPES[org.index % len(SCOPES)][0]}")
        e(o, T["theme"], theme)
        e(o, T["geographicScope"], scope)
        e(o, T["subject"], theme)
        e(o, T["subject"], scope)
        e(o, T["url"], iri(f"https://example.org/{org.slug}"))
        lexical, datatype = self._date(org.founded)
        e(o, T["foundingDate"], typed(lexical, datatype))
        if org.dissolved:
            e(o, T["dissolutionDate"], typed(str(org.dissolved), "gYear"))
        seat = self.city_slugs[rng.randrange(self.size.cities)]
        if self.with_violations and org.index == self.dangling_org:
            seat = "no-such-city"
            self.violations.append(
                Violation(
                    "dangling-link",
                    f"{ID}{org.slug}",
                    f"{SDO}location",
                    f"{ID}no-such-city",
                    "schema:location links to a city that no file defines",
                    [
                        _finding("dangling-link-violation", f"{ID}{org.slug}", f"{SDO}location"),
                        _finding("shacl", f"{ID}{org.slug}", f"{SDO}location", "common-location"),
                    ],
                )
            )
        e(o, T["location"], rid(seat))
        if org.founders:
            e(o, T["foundingLocation"], rid(self.city_slugs[org.founders[0]]))
            for f in org.founders:
                e(o, T["founder"], rid(self.city_slugs[f]))
            if org.index % 3 == 0:
                e(o, T["initiator"], rid(self.city_slugs[org.founders[0]]))
        if org.kind != "Charter":
            e(o, T["memberKind"], rid("concept/cities"))
            self._sizes(org)
            if org.index % 3 == 1:
                self._units(org)
        if org.index % 5 == 2:  # a second source disagrees on the founding date
            other = self.sources[1 + (org.index + 11) % (len(self.sources) - 1)]
            e2 = self.emit(other)
            for cls in CLASSES_OF_KIND[org.kind]:
                e2(o, A, T[cls])
            e2(o, T["foundingDate"], typed(str(org.founded + 1), "gYear"))
            e2(o, SOURCE, rid(f"source/{other}"))
        e(o, SOURCE, rid(f"source/{org.source}"))

    def _sizes(self, org: Org) -> None:
        e = self.emit(org.source)
        o = rid(org.slug)
        years = [2005 + org.index % 10, 2016 + org.index % 8][: 1 + org.index % 2]
        for year in years:
            slug = f"size/{org.slug}/cities-{org.source}-{year}"
            q = rid(slug)
            e(o, T["reportedSize"], q)
            e(q, A, T["ReportedSize"])
            e(q, A, T["QuantitativeValue"])
            figure = max(1, len(org.members) + (year - 2010) * 3)
            e(q, LABEL, lang(f"Nombre de villes de {org.label_fr} ({figure})", "fr"))
            e(q, LABEL, lang(f"Number of cities of {org.label_en} ({figure})", "en"))
            if org.index % 4 == 0:
                e(q, T["minValue"], typed(str(figure), "integer"))
            else:
                e(q, T["value"], typed(str(figure), "integer"))
            e(q, T["approximate"], typed("true" if org.index % 2 else "false", "boolean"))
            e(q, T["unitText"], plain("cities"))
            e(q, T["date"], typed(str(year), "gYear"))
            e(q, SOURCE, rid(f"source/{org.source}"))

    def _units(self, org: Org) -> None:
        e = self.emit(org.source)
        o = rid(org.slug)
        for unit_slug, fr, en in [
            ("bureau", "Bureau de", "Bureau of"),
            (
                "mediterranean-commission",
                "Commission Méditerranée de",
                "Mediterranean Commission of",
            ),
        ][: 1 + org.index % 2]:
            u = rid(f"{org.slug}/{unit_slug}")
            e(u, A, T["InternalUnit"])
            e(u, A, T["OrganizationalUnit"])
            e(u, A, T["sOrganization"])
            e(u, LABEL, lang(f"{fr} {org.label_fr}", "fr"))
            e(u, LABEL, lang(f"{en} {org.label_en}", "en"))
            e(u, DESCRIPTION, lang(f"{fr} {org.label_fr}, organe synthétique.", "fr"))
            e(u, DESCRIPTION, lang(f"{en} {org.label_en}, a synthetic body.", "en"))
            e(u, T["unitOf"], o)
            e(o, T["hasUnit"], u)
            e(u, SOURCE, rid(f"source/{org.source}"))
        self.stats["units"] = self.stats.get("units", 0) + 1 + org.index % 2

    def _merger(self, result: Org, predecessors: list[Org], year: int) -> None:
        e = self.emit(result.source)
        ev = rid(f"event/merger-{result.slug}")
        e(ev, A, T["Merger"])
        e(ev, A, T["ChangeEvent"])
        e(ev, A, T["Activity"])
        e(ev, LABEL, lang(f"Fusion donnant {result.label_fr}", "fr"))
        e(ev, LABEL, lang(f"Merger into {result.label_en}", "en"))
        e(ev, T["date"], typed(str(year), "gYear"))
        e(ev, T["resultingOrganization"], rid(result.slug))
        e(rid(result.slug), T["resultedFrom"], ev)
        for p in predecessors:
            e(ev, T["originalOrganization"], rid(p.slug))
            e(rid(p.slug), T["changedBy"], ev)
            e(rid(result.slug), T["successorOf"], rid(p.slug))
            e(rid(result.slug), T["replaces"], rid(p.slug))
            e(rid(p.slug), T["predecessorOf"], rid(result.slug))
            e(rid(p.slug), T["isReplacedBy"], rid(result.slug))
        e(ev, SOURCE, rid(f"source/{result.source}"))

    def _sections(self) -> None:
        """About one network in eight is a (national) section of a bigger one."""
        networks = [o for o in self.orgs if o.kind == "CityNetwork" and o.dissolved is None]
        parents = networks[: max(1, len(networks) // 10)]
        sections = 0
        for k, child in enumerate(networks[len(parents) :]):
            if k % 8:
                continue
            parent = parents[k % len(parents)]
            e = self.emit(child.source)
            c, p = rid(child.slug), rid(parent.slug)
            if k % 16 == 0:
                e(c, T["nationalSectionOf"], p)
            e(c, T["sectionOf"], p)
            e(c, T["subOrganizationOf"], p)
            e(p, T["hasSubOrganization"], c)
            sections += 1
        self.stats["sections"] = sections

    # --- memberships ---------------------------------------------------------------------------

    def _memberships(self) -> None:
        rng = self.rng
        number = 0
        dated = 0
        for org in self.orgs:
            e = self.emit(org.source)
            src = rid(f"source/{org.source}")
            o = rid(org.slug)
            founders = set(org.founders)
            for city in org.members:
                city_slug = self.city_slugs[city]
                c = rid(city_slug)
                m_slug = f"membership/{city_slug}--{org.slug}"
                m = rid(m_slug)
                e(c, T["memberOf"], o)
                e(o, T["hasMember"], c)
                e(m, A, T["Membership"])
                e(m, T["member"], c)
                bad = self.with_violations and number == self.bad_membership
                if bad:
                    self.violations.append(
                        Violation(
                            "membership-without-organization",
                            f"{ID}{m_slug}",
                            f"{ORG}organization",
                            None,
                            "org:Membership node without org:organization",
                            [
                                _finding(
                                    "shacl",
                                    f"{ID}{m_slug}",
                                    f"{ORG}organization",
                                    "MembershipShape-organization",
                                ),
                                # the city's org:memberOf then has no membership node
                                _finding(
                                    "missing-inverse-violation",
                                    f"{ID}{city_slug}",
                                    f"{ORG}memberOf",
                                ),
                            ],
                        )
                    )
                else:
                    e(m, T["organization"], o)
                if org.kind == "Charter":
                    role = "party"
                elif city in founders:
                    role = "founding-member"
                else:
                    u = rng.random()
                    role = "member" if u < 0.9 else "associate-member" if u < 0.95 else "observer"
                e(m, T["role"], rid(f"role/{role}"))
                e(m, SOURCE, src)
                bad_date = self.with_violations and number == self.bad_date_membership
                if role == "founding-member" or bad_date or rng.random() < 0.25:
                    dated += 1
                    begin_year = (
                        org.founded if role == "founding-member" else rng.randint(org.founded, 2024)
                    )
                    begin = self._date(begin_year)
                    if bad_date:
                        begin = ("1997-02-30", "date")
                        self.violations.append(
                            Violation(
                                "non-existent-date",
                                f"{ID}{m_slug}/during/begin",
                                f"{TIME}inXSDDate",
                                "1997-02-30",
                                "time:inXSDDate 1997-02-30 (February has no 30th)",
                                [
                                    _finding(
                                        "invalid-date-violation",
                                        f"{ID}{m_slug}/during/begin",
                                        f"{TIME}inXSDDate",
                                    ),
                                    _finding(
                                        "shacl",
                                        f"{ID}{m_slug}/during/begin",
                                        f"{TIME}inXSDDate",
                                        "InstantShape-inXSDDate",
                                    ),
                                ],
                            )
                        )
                    end = None
                    if org.dissolved:
                        end = (str(org.dissolved), "gYear")
                    elif rng.random() < 0.3 and begin_year < 2024:
                        end = self._date(rng.randint(begin_year + 1, 2024))
                    self._interval(e, src, m_slug, begin, end)
                number += 1
        self.stats["memberships"] = number
        self.stats["dated_memberships"] = dated

    def _interval(
        self,
        e: Callable[[str, str, str], None],
        src: str,
        m_slug: str,
        begin: tuple[str, str],
        end: tuple[str, str] | None,
    ) -> None:
        during = rid(f"{m_slug}/during")
        e(rid(m_slug), T["memberDuring"], during)
        e(during, A, T["Interval"])
        e(during, SOURCE, src)
        for part, (lexical, datatype), prop in [("begin", begin, "hasBeginning")] + (
            [("end", end, "hasEnd")] if end else []
        ):
            instant = rid(f"{m_slug}/during/{part}")
            e(during, T[prop], instant)
            e(instant, A, T["Instant"])
            e(instant, SOURCE, src)
            what = {"gYear": "inXSDgYear", "gYearMonth": "inXSDgYearMonth", "date": "inXSDDate"}
            e(instant, T[what[datatype]], typed(lexical, datatype))

    def sidecar(self) -> dict[str, object]:
        return {
            "size": self.size_name,
            "seed": self.seed,
            "violations_included": self.with_violations,
            "counts": self.stats,
            "violations": [v.__dict__ for v in self.violations],
        }


FORMATS_BY_SUFFIX = {".nq": "nquads", ".trig": "trig", ".nt": "ntriples", ".ttl": "turtle"}


def generate(
    size: str, seed: int, out: Path, fmt: str | None = None, violations: bool = True
) -> dict[str, object]:
    """Write one synthetic graph to ``out`` and its sidecar JSON beside it; return the sidecar."""
    fmt = fmt or FORMATS_BY_SUFFIX.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"{out}: cannot tell the format from the suffix; use --format")
    generator = Generator(size, seed, violations)
    writer = QuadWriter(out, fmt)
    try:
        generator.write(writer)
    finally:
        writer.close()
    info = generator.sidecar()
    info["format"] = fmt
    sidecar_path(out).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def sidecar_path(out: Path) -> Path:
    return out.with_name(out.name + ".violations.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    parser.add_argument(
        "--format",
        choices=("nquads", "trig", "ntriples", "turtle"),
        help="default: from the suffix (.nq, .trig; .nt and .ttl hold the union of the sources)",
    )
    parser.add_argument(
        "--violations",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="place the documented deliberate violations (default: yes)",
    )
    args = parser.parse_args(argv)
    if args.format is None and args.output.suffix.lower() not in FORMATS_BY_SUFFIX:
        parser.error(f"{args.output}: unknown suffix; use .nq, .trig, .nt or .ttl, or --format")
    if not args.output.parent.is_dir():
        parser.error(f"{args.output.parent}: no such folder")
    start = time.perf_counter()
    info = generate(args.size, args.seed, args.output, args.format, args.violations)
    counts = info["counts"]
    assert isinstance(counts, dict)
    print(
        f"wrote {args.output}: {counts['quads']} statements, {counts['memberships']} memberships, "
        f"{len(info['violations'])} deliberate violations "  # type: ignore[arg-type]
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
