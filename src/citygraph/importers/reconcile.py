"""Reconciliation: deciding which rows name the same actor, and which known entity each one is.

The decisions are deterministic (rows in file order, sorted candidates) and conservative: two
rows become one actor only on positive evidence, never because nothing tells them apart.

* Actors (the members). Rows are compared on a normalised name (accents, case and punctuation
  dropped; administrative prefixes such as "Ville de", "City of", "Comune di", "Stadt",
  "Ayuntamiento de" removed), and only within one country and one kind (city or association).
  Within such a group, rows with coordinates are one place when they lie within
  :data:`SAME_PLACE_KM` of each other; rows without coordinates join the group's place when there
  is only one, and are kept apart (reported as ambiguous) when the group holds several places.
  Two rows carrying different known identifiers are never merged; rows carrying the same
  identifier are merged whatever their spelling.
* Each actor is then matched to a curated entity (``data/``) of the same kind and country whose
  label, prefLabel or altLabel normalises to one of the actor's names, within
  :data:`CURATED_KM` when both have coordinates, or sharing an ``owl:sameAs`` identifier. A match
  needs exactly one candidate; several candidates are reported and nothing is matched.
* Organizations (the networks) are matched to curated ones by code (a UIA code found in a curated
  identifier or in a curated text that mentions UIA), acronym or name, compared without case,
  accents, spaces or punctuation; again exactly one candidate is needed.

A curator reviews the report (each actor with the evidence that made it) and corrects it with a
small overrides file: force two rows together, keep two rows apart, map an actor or a network to
a given IRI. Cities that may be one place under two names ("Antwerpen" and the curated
"Antwerp", "Firenze" and "Florence", at the same coordinates) are never merged on that alone,
but flagged: a city not matched to a curated one that lies within :data:`NEAR_KM` of another
city of its country, curated or from the table, under another name (:func:`flag_near_namesakes`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import UsageError
from ..namespaces import ID

SAME_PLACE_KM = 25.0
CURATED_KM = 50.0
# two cities at (almost) the same coordinates: perhaps one city under two names, geocoded twice
# (ETMUN's members: Firenze and Florence, San Sebastian and Donostia-San Sebastián, 0.0 km
# apart); at 2 km, the neighbouring towns of Malta or of a metropolis were flagged by the score
NEAR_KM = 0.05
POSSIBLY_THE_SAME = "possibly the same city"

# Administrative words before a place's name, compared after normalisation (no accents, lower
# case, punctuation as spaces). Longest first so that "city council of" wins over "city of".
NAME_PREFIXES = tuple(
    sorted(
        {
            "ville de",
            "ville d",
            "ville du",
            "commune de",
            "commune d",
            "mairie de",
            "mairie d",
            "municipalite de",
            "city of",
            "town of",
            "municipality of",
            "city council of",
            "borough of",
            "county borough of",
            "comune di",
            "citta di",
            "citta metropolitana di",
            "municipio di",
            "municipio de",
            "stadt",
            "gemeinde",
            "landeshauptstadt",
            "hansestadt",
            "marktgemeinde",
            "stadtgemeinde",
            "ayuntamiento de",
            "ajuntament de",
            "ajuntament d",
            "concello de",
            "municipalidad de",
            "camara municipal de",
            "camara municipal do",
            "camara municipal da",
            "prefeitura de",
            "cidade de",
            "gemeente",
            "stad",
            "miasto",
            "gmina",
            "mesto",
            "obcina",
            "grad",
            "dimos",
            "municipiul",
            "comuna",
            "kommune",
            "kaupunki",
            "urad mesta",
        },
        key=lambda p: (-len(p), p),
    )
)
NAME_SUFFIXES = (
    "city council",
    "city hall",
    "town council",
    "municipal council",
    "municipality",
    "town hall",
    "kommune",
    "kaupunki",
    "stad",
    "gemeente",
)


# --- names ------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ł", "l"))
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", ascii_ish).replace("_", " ").split())


def normalise_name(name: str) -> str:
    """The name an actor is compared by: folded, administrative prefixes and suffixes removed."""
    folded = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in NAME_PREFIXES:
            if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
                folded = folded[len(prefix) + 1 :]
                changed = True
                break
        for suffix in NAME_SUFFIXES:
            if folded.endswith(" " + suffix) and len(folded) > len(suffix) + 1:
                folded = folded[: -len(suffix) - 1]
                changed = True
                break
    return folded


def compact(text: str) -> str:
    """An organization name or acronym without spaces or punctuation ("A.I.M.F." -> "aimf")."""
    return fold(text).replace(" ", "")


def clean_acronym(acronym: str) -> str:
    """The acronym itself, without a trailing comment ("AMPHICTYONY / (refounded...)")."""
    return re.split(r"\s*(?:/|\()", acronym, maxsplit=1)[0].strip() or acronym.strip()


def slugify(text: str) -> str:
    folded = fold(text)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def distance_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Great-circle distance (haversine), enough to tell one town from another."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def expand_iri(value: str) -> str:
    return f"{ID}{value[3:]}" if value.startswith("id:") else value


def short_iri(iri: str) -> str:
    return iri.replace(str(ID), "id:")


# --- what is known already ----------------------------------------------------------------


@dataclass
class CuratedEntity:
    iri: str
    kind: str  # "city" or "organization"
    names: set[str] = field(default_factory=set)  # normalised (cities) or compact (organizations)
    labels: list[str] = field(default_factory=list)
    country: str | None = None
    coordinates: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    same_as: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    founded: int | None = None
    member_kinds: set[str] = field(default_factory=set)
    min_population: int | None = None


@dataclass
class Curated:
    """The curated entities a table is reconciled with, read from the loaded curated graph."""

    entities: dict[str, CuratedEntity] = field(default_factory=dict)
    iris: set[str] = field(default_factory=set)  # every IRI of ours the curated data uses

    @classmethod
    def from_graph(cls, kg: Any) -> Curated:
        from ..namespaces import PREFIXES

        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        known = cls()

        def rows(query: str) -> list[tuple[Any, ...]]:
            return kg.sparql(head + query).rows

        def entity(iri: Any, kind: str) -> CuratedEntity:
            key = str(iri)
            if key not in known.entities:
                known.entities[key] = CuratedEntity(key, kind)
            return known.entities[key]

        label = "rdfs:label|skos:altLabel|skos:prefLabel"
        for iri, name in sorted(rows(f"SELECT ?e ?l WHERE {{ ?e a schema:City ; {label} ?l }}")):
            e = entity(iri, "city")
            e.names.add(normalise_name(str(name)))
            e.labels.append(str(name))
        for iri, country in rows(
            "SELECT ?e ?c WHERE { ?e a schema:City ; schema:addressCountry ?c }"
        ):
            entity(iri, "city").country = str(country)
        for iri, lat, lon in sorted(
            rows("SELECT ?e ?lat ?lon WHERE { ?e a schema:City ; geo:lat ?lat ; geo:long ?lon }")
        ):
            try:
                entity(iri, "city").coordinates.append((Decimal(str(lat)), Decimal(str(lon))))
            except ArithmeticError:
                continue
        for iri, same in rows("SELECT ?e ?s WHERE { ?e a schema:City ; owl:sameAs ?s }"):
            entity(iri, "city").same_as.add(str(same))
        org = "org:FormalOrganization"
        for iri, name in sorted(rows(f"SELECT ?e ?l WHERE {{ ?e a {org} ; {label} ?l }}")):
            e = entity(iri, "organization")
            e.names.add(compact(str(name)))
            e.labels.append(str(name))
        for iri, text in rows(
            f"SELECT ?e ?t WHERE {{ ?e a {org} ; dcterms:identifier|skos:notation ?t }}"
        ):
            entity(iri, "organization").codes.add(str(text))
        for iri, text in rows(
            f"SELECT ?e ?t WHERE {{ ?e a {org} ; ?p ?t . FILTER(isLiteral(?t) && "
            "REGEX(STR(?t), 'UIA')) }"
        ):
            for code in re.findall(r"\b[0-9A-Z]?[0-9]{4,5}\b", str(text)):
                entity(iri, "organization").codes.add(code)
        for iri, date in rows(f"SELECT ?e ?d WHERE {{ ?e a {org} ; schema:foundingDate ?d }}"):
            year = int(str(date)[:4]) if str(date)[:4].isdigit() else None
            e = entity(iri, "organization")
            if year and (e.founded is None or year < e.founded):
                e.founded = year
        for iri, kind in rows(f"SELECT ?e ?k WHERE {{ ?e a {org} ; cg:memberKind ?k }}"):
            entity(iri, "organization").member_kinds.add(str(kind).rsplit("/", 1)[-1])
        for iri, minimum, unit in rows(
            f"SELECT ?e ?m ?u WHERE {{ ?e a {org} ; cg:membershipCriterion ?c . "
            "?c schema:minValue ?m ; schema:unitText ?u }"
        ):
            if "inhabitant" in str(unit):
                e = entity(iri, "organization")
                e.min_population = max(int(str(minimum)), e.min_population or 0)
        for (iri,) in rows(
            "SELECT DISTINCT ?e WHERE { { ?e ?p ?o } UNION { ?s ?p ?e } FILTER(isIRI(?e) && "
            f"STRSTARTS(STR(?e), '{ID}')) }}"
        ):
            known.iris.add(str(iri))
        return known

    def of_kind(self, kind: str) -> list[CuratedEntity]:
        return [e for _, e in sorted(self.entities.items()) if e.kind == kind]


# --- overrides -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A curator's reference to rows: a name (compared normalised), a country, maybe a line."""

    name: str
    country: str | None = None
    row: int | None = None

    def selects(self, record: ActorRecord) -> bool:
        return (
            normalise_name(self.name) == record.norm
            and (self.country is None or self.country == record.country)
            and (self.row is None or self.row == record.line)
        )

    def __str__(self) -> str:
        where = f" ({self.country})" if self.country else ""
        return f"{self.name}{where}" + (f" line {self.row}" if self.row else "")


@dataclass
class Overrides:
    same: list[tuple[Ref, Ref]] = field(default_factory=list)
    different: list[tuple[Ref, Ref]] = field(default_factory=list)
    actors: list[tuple[Ref, str]] = field(default_factory=list)
    organizations: list[tuple[str, str]] = field(default_factory=list)  # (name/acronym/code, IRI)
    used: set[str] = field(default_factory=set)


def load_overrides(path: Path | None) -> Overrides:
    """Read the overrides file (YAML): ``same``, ``different`` and ``map`` lists."""
    if path is None:
        return Overrides()
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UsageError(f"{path}: no such overrides file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(
            f"{path}: cannot read the overrides file ({str(exc).splitlines()[0]})"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: an overrides file is a set of keys: same, different, map")
    for key in data:
        if key not in ("same", "different", "map"):
            raise UsageError(f"{path}: unknown key {key!r}; known keys: same, different, map")

    def ref(item: Any, where: str) -> Ref:
        if (
            not isinstance(item, dict)
            or "name" not in item
            or set(item) - {"name", "country", "row"}
        ):
            raise UsageError(f"{path}: {where} must be {{name: ..., country: ..., row: ...}}")
        row = item.get("row")
        return Ref(str(item["name"]), item.get("country"), int(row) if row is not None else None)

    def pairs(key: str) -> list[tuple[Ref, Ref]]:
        result = []
        for n, item in enumerate(data.get(key) or [], 1):
            if not isinstance(item, list) or len(item) != 2:
                raise UsageError(
                    f"{path}: {key} entry {n} must be a pair [{{name:..}}, {{name:..}}]"
                )
            result.append((ref(item[0], f"{key} entry {n}"), ref(item[1], f"{key} entry {n}")))
        return result

    overrides = Overrides(same=pairs("same"), different=pairs("different"))
    for n, item in enumerate(data.get("map") or [], 1):
        if not isinstance(item, dict) or "iri" not in item:
            raise UsageError(f"{path}: map entry {n} needs an iri (id:<slug>)")
        iri = expand_iri(str(item["iri"]))
        if not iri.startswith(str(ID)):
            raise UsageError(f"{path}: map entry {n}: {item['iri']!r} is not an id: IRI")
        if "organization" in item:
            overrides.organizations.append((str(item["organization"]), iri))
        else:
            rest = {k: v for k, v in item.items() if k != "iri"}
            overrides.actors.append((ref(rest, f"map entry {n}"), iri))
    return overrides


# --- actors -----------------------------------------------------------------------------------


@dataclass
class ActorRecord:
    """The actor named by one imported row."""

    line: int
    name: str
    country: str
    kind: str  # "city" or "network"
    lat: Decimal | None = None
    lon: Decimal | None = None
    identifier: str | None = None
    norm: str = ""

    def __post_init__(self) -> None:
        self.norm = normalise_name(self.name)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class Actor:
    """A reconciled actor: its rows, its IRI, and why."""

    records: list[ActorRecord]
    iri: str = ""
    label: str = ""
    names: list[str] = field(default_factory=list)
    curated: str | None = None
    evidence: list[str] = field(default_factory=list)

    @property
    def country(self) -> str:
        return self.records[0].country

    @property
    def kind(self) -> str:
        return self.records[0].kind

    @property
    def first_line(self) -> int:
        return self.records[0].line

    def coordinates(self) -> tuple[Decimal, Decimal] | None:
        """The coordinates of the first located row (all lie within SAME_PLACE_KM)."""
        for r in self.records:
            if r.located:
                return r.lat, r.lon  # type: ignore[return-value]
        return None


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.apart: set[tuple[int, int]] = set()

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def can_join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        return not any((self.find(x), self.find(y)) in ((ra, rb), (rb, ra)) for x, y in self.apart)

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or not self.can_join(a, b):
            return False
        self.parent[max(ra, rb)] = min(ra, rb)  # the earliest row is the root: deterministic
        return True


def reconcile_actors(
    records: list[ActorRecord],
    curated: Curated,
    overrides: Overrides,
    taken: set[str],
) -> list[Actor]:
    """Cluster the rows' actors, match them to curated entities, mint IRIs for the others."""
    uf = _UnionFind(len(records))
    why: dict[int, list[str]] = defaultdict(list)  # evidence, by record index of the root later

    # Curator's "different" pairs and differing identifiers: never in one actor.
    for a_ref, b_ref in overrides.different:
        a_idx = [i for i, r in enumerate(records) if a_ref.selects(r)]
        b_idx = [i for i, r in enumerate(records) if b_ref.selects(r)]
        if a_idx and b_idx:
            overrides.used.add(f"different {a_ref} / {b_ref}")
        uf.apart.update((a, b) for a in a_idx for b in b_idx if a != b)
    by_identifier: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        if r.identifier:
            by_identifier[(r.kind, r.identifier)].append(i)

    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        groups[(r.norm, r.country, r.kind)].append(i)
    for indices in groups.values():
        for a_pos, a in enumerate(indices):
            for b in indices[a_pos + 1 :]:
                ra, rb = records[a], records[b]
                if ra.identifier and rb.identifier and ra.identifier != rb.identifier:
                    uf.apart.add((a, b))
    for (_kind, ident), indices in sorted(by_identifier.items()):
        for b in indices[1:]:
            if uf.union(indices[0], b):
                why[indices[0]].append(
                    f"same identifier {ident} (lines {records[indices[0]].line}, {records[b].line})"
                )

    for (norm, country, _kind), indices in sorted(groups.items(), key=lambda kv: kv[1][0]):
        located = [i for i in indices if records[i].located]
        for a_pos, a in enumerate(located):
            for b in located[a_pos + 1 :]:
                ra, rb = records[a], records[b]
                km = distance_km(ra.lat, ra.lon, rb.lat, rb.lon)  # type: ignore[arg-type]
                if km <= SAME_PLACE_KM and uf.union(a, b):
                    why[a].append(
                        f"same normalised name {norm!r} in {country}, lines {ra.line} and "
                        f"{rb.line} {km:.1f} km apart"
                    )
        places = sorted({uf.find(i) for i in located})
        unlocated = [i for i in indices if not records[i].located]
        if len(places) <= 1:
            anchor = places[0] if places else (unlocated[0] if unlocated else None)
            for i in unlocated:
                if anchor is not None and i != anchor and uf.union(anchor, i):
                    why[anchor].append(
                        f"same normalised name {norm!r} in {country}, line {records[i].line} "
                        "without coordinates, and only one place of that name"
                    )
        elif unlocated:
            for i in unlocated[1:]:
                if uf.union(unlocated[0], i):
                    why[unlocated[0]].append(
                        f"same normalised name {norm!r} in {country}, line {records[i].line} "
                        "without coordinates"
                    )
            why[unlocated[0]].append(
                f"kept apart from {len(places)} located places named {norm!r} in {country}: "
                "no coordinates to choose between them (ambiguous; review)"
            )

    for a_ref, b_ref in overrides.same:
        a_idx = [i for i, r in enumerate(records) if a_ref.selects(r)]
        b_idx = [i for i, r in enumerate(records) if b_ref.selects(r)]
        if a_idx and b_idx:
            overrides.used.add(f"same {a_ref} / {b_ref}")
            for j in [*a_idx[1:], *b_idx]:
                if uf.union(a_idx[0], j):
                    why[a_idx[0]].append(f"forced by the overrides file: same {a_ref} / {b_ref}")

    matched = _match_curated(_collect(records, uf, why), curated, overrides, uf, records, why)
    actors = _collect(records, uf, why)
    index = {id(r): i for i, r in enumerate(records)}
    for actor in actors:
        actor.curated = matched.get(index[id(actor.records[0])])
    _name_and_mint(actors, taken)
    flag_near_namesakes(actors, curated)
    return actors


class _Place(NamedTuple):
    """A located city, curated or from the table, for :func:`flag_near_namesakes`."""

    iri: str
    country: str
    names: frozenset[str]
    lat: Decimal
    lon: Decimal
    label: str


def flag_near_namesakes(actors: list[Actor], curated: Curated) -> None:
    """Add a review note to each city not matched to a curated one that lies within
    :data:`NEAR_KM` of another city of its country (curated, or another actor) under another
    name: perhaps one city under two names (an exonym, a local spelling), which only a curator
    can say. Nothing is merged. Cities are bucketed on a grid, so each is compared only with
    its neighbours."""
    places: dict[tuple[int, int], list[_Place]] = defaultdict(list)

    def cell(lat: Decimal, lon: Decimal) -> tuple[int, int]:
        return math.floor(float(lat) * 10), math.floor(float(lon) * 10)  # about 11 km

    for entity in curated.of_kind("city"):
        label = entity.labels[0] if entity.labels else short_iri(entity.iri)
        names = frozenset(entity.names)
        for lat, lon in entity.coordinates:
            places[cell(lat, lon)].append(
                _Place(entity.iri, entity.country or "", names, lat, lon, label)
            )
    unmatched = []  # each city of the table not matched to a curated one, as a place
    for actor in actors:
        here = actor.coordinates()
        if actor.kind == "city" and not actor.curated and here is not None:
            names = frozenset(r.norm for r in actor.records)
            place = _Place(actor.iri, actor.country, names, *here, actor.label)
            places[cell(place.lat, place.lon)].append(place)
            unmatched.append((actor, place))
    for actor, place in unmatched:
        y, x = cell(place.lat, place.lon)
        near = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for other in places.get((y + dy, x + dx), []):
                    if (
                        other.iri == place.iri
                        or other.country != place.country
                        or place.names & other.names
                    ):
                        continue
                    km = distance_km(place.lat, place.lon, other.lat, other.lon)
                    if km <= NEAR_KM:
                        near.append((km, other.iri, other.label))
        for km, iri, label in sorted(set(near)):
            actor.evidence.append(
                f"{POSSIBLY_THE_SAME}: {short_iri(iri)} ({label}) lies {km:.1f} km away in "
                f"{actor.country}, under another name (review: the overrides file maps or merges "
                "them)"
            )


def _collect(records: list[ActorRecord], uf: _UnionFind, why: dict[int, list[str]]) -> list[Actor]:
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(records)):
        clusters[uf.find(i)].append(i)
    actors = []
    for root in sorted(clusters):
        members = clusters[root]
        evidence = [e for i in members for e in why.get(i, [])]
        actors.append(Actor([records[i] for i in members], evidence=evidence))
    return actors


def _match_curated(
    actors: list[Actor],
    curated: Curated,
    overrides: Overrides,
    uf: _UnionFind,
    records: list[ActorRecord],
    why: dict[int, list[str]],
) -> dict[int, str]:
    """Match each actor to one curated entity; actors matching the same one are merged.

    Returns the curated IRI by record index.
    """
    index = {id(r): i for i, r in enumerate(records)}
    wanted = {"city": "city", "network": "organization"}
    by_curated: dict[str, list[Actor]] = defaultdict(list)
    for actor in actors:
        first = index[id(actor.records[0])]
        forced = [ref for ref, _ in overrides.actors if any(ref.selects(r) for r in actor.records)]
        if forced:
            iri = dict(overrides.actors)[forced[0]]
            why[first].append(f"mapped to {short_iri(iri)} by the overrides file")
            overrides.used.update(f"map {ref}" for ref in forced)
            by_curated[iri].append(actor)
            continue
        candidates = _curated_candidates(actor, curated.of_kind(wanted[actor.kind]))
        if len(candidates) == 1:
            iri, evidence = next(iter(candidates.items()))
            why[first].append(evidence)
            by_curated[iri].append(actor)
        elif candidates:
            why[first].append(
                "several curated entities match, none chosen (review): "
                + ", ".join(short_iri(c) for c in sorted(candidates))
            )
    matched: dict[int, str] = {}
    for iri, group in by_curated.items():
        first = index[id(group[0].records[0])]
        for other in group[1:]:
            if uf.union(first, index[id(other.records[0])]):
                why[first].append(
                    f"lines {group[0].first_line} and {other.first_line} both match "
                    f"{short_iri(iri)}"
                )
        for actor in group:
            for r in actor.records:
                matched[index[id(r)]] = iri
    return matched


def _curated_candidates(actor: Actor, entities: list[CuratedEntity]) -> dict[str, str]:
    """The curated entities this actor may be, each with the evidence for it."""
    norms = {r.norm for r in actor.records}
    idents = {r.identifier for r in actor.records if r.identifier}
    here = actor.coordinates()
    candidates: dict[str, str] = {}
    for entity in entities:
        if idents & entity.same_as:
            candidates[entity.iri] = f"same identifier as {short_iri(entity.iri)}"
            continue
        if entity.kind == "city" and entity.country != actor.country:
            continue
        common = sorted(norms & entity.names)
        if not common:
            continue
        where = ""
        if here and entity.coordinates:
            km = min(distance_km(*here, *c) for c in entity.coordinates)
            if km > CURATED_KM:
                continue
            where = f", {km:.1f} km from its coordinates"
        country = f" in {actor.country}" if entity.kind == "city" else ""
        candidates[entity.iri] = (
            f"name {common[0]!r} matches a label of curated {short_iri(entity.iri)}{country}{where}"
        )
    return candidates


def _name_and_mint(actors: list[Actor], taken: set[str]) -> None:
    """Choose each actor's label and IRI: the curated one, or a slug, suffixed when ambiguous."""
    for actor in actors:
        actor.evidence = list(dict.fromkeys(actor.evidence))
        counts: dict[str, int] = defaultdict(int)
        for r in actor.records:
            counts[r.name] += 1
        actor.names = sorted(
            counts, key=lambda n: (-counts[n], [r.name for r in actor.records].index(n))
        )
        actor.label = actor.names[0]
        if actor.curated:
            actor.iri = actor.curated
    used = set(taken) | {a.iri for a in actors if a.iri}
    fresh = [a for a in actors if not a.iri]
    base_of = {id(a): slugify(a.label) or f"actor-{a.first_line}" for a in fresh}
    sharing: dict[str, list[Actor]] = defaultdict(list)
    for a in fresh:
        sharing[base_of[id(a)]].append(a)
    for base, group in sorted(sharing.items()):
        if len(group) == 1 and f"{ID}{base}" not in used:
            group[0].iri = f"{ID}{base}"
            used.add(group[0].iri)
            continue
        for a in sorted(group, key=lambda a: a.first_line):
            slug = f"{base}-{a.country.lower()}"
            n = 1
            while f"{ID}{slug}" in used:
                n += 1
                slug = f"{base}-{a.country.lower()}-{n}"
            a.iri = f"{ID}{slug}"
            used.add(a.iri)
            a.evidence.append(
                f"{len(group)} actors named {base!r}" if len(group) > 1 else f"id:{base} is taken"
            )


# --- organizations ------------------------------------------------------------------------


@dataclass
class OrgMatch:
    iri: str | None
    evidence: list[str]


def match_organization(
    name: str | None,
    acronym: str | None,
    code: str | None,
    curated: Curated,
    overrides: Overrides,
) -> OrgMatch:
    """The curated organization the table's network is, by code, acronym or name (one only)."""
    keys = [k for k in (code, acronym, name) if k]
    for key, iri in overrides.organizations:
        if key in keys or compact(key) in {compact(k) for k in keys}:
            overrides.used.add(f"map organization {key}")
            return OrgMatch(iri, [f"mapped to {short_iri(iri)} by the overrides file"])
    candidates: dict[str, list[str]] = defaultdict(list)
    for entity in curated.of_kind("organization"):
        if code and code in entity.codes:
            candidates[entity.iri].append(
                f"code {code} is recorded for curated {short_iri(entity.iri)}"
            )
        if acronym and compact(clean_acronym(acronym)) in entity.names:
            candidates[entity.iri].append(
                f"acronym {clean_acronym(acronym)!r} matches a label of curated "
                f"{short_iri(entity.iri)}"
            )
        if name and compact(name) in entity.names:
            candidates[entity.iri].append(
                f"name {name!r} matches a label of curated {short_iri(entity.iri)}"
            )
    if len(candidates) == 1:
        iri, evidence = next(iter(candidates.items()))
        return OrgMatch(iri, evidence)
    if candidates:
        return OrgMatch(
            None,
            [
                "several curated organizations match, none chosen (review): "
                + ", ".join(short_iri(c) for c in sorted(candidates))
            ],
        )
    return OrgMatch(None, [])


def organization_slug(name: str | None, acronym: str | None, code: str | None) -> str:
    """The slug of a network the curated data does not know: its acronym, else its name."""
    for text in (clean_acronym(acronym) if acronym else None, name, code):
        if text and slugify(text):
            return slugify(text)
    return "organization"


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
