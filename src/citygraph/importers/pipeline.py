"""One import, start to end: read, clean, check, reconcile, write; every row accounted for.

Each row ends in exactly one of two places: it is imported (possibly merged into an identical
membership stated by an earlier row, with a warning), or it is rejected with a reason into the
rejects list. The summary counts both, so ``imported + rejected == rows read`` always holds and
is asserted before anything is written.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import checks
from .clean import CellError, Cleaner
from .mapping import Mapping
from .reconcile import (
    POSSIBLY_THE_SAME,
    ActorRecord,
    Curated,
    Overrides,
    clean_acronym,
    compact,
    match_organization,
    organization_slug,
    reconcile_actors,
    short_iri,
    unique,
)
from .table import Row, Table, read_table
from .writer import ImportGraph

NETWORK_DESCRIPTION = (
    "Réseau ou association de villes et de collectivités locales, tel que le recense la source "
    "« {title} ».",
    "A network or association of cities and local governments, as recorded in the source "
    "“{title}”.",
)


@dataclass
class Reject:
    line: int
    reason: str
    detail: str
    raw: list[str]


@dataclass
class Finding:
    line: int
    check: str
    message: str


@dataclass
class Network:
    """A network named by the table (in a column of a memberships table, or a row)."""

    key: str
    name: str | None
    acronym: str | None
    code: str | None
    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    iri: str = ""
    curated: bool = False
    evidence: list[str] = field(default_factory=list)
    founded: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, as the table gives it
    url: str | None = None


@dataclass
class ImportResult:
    table: Table
    graph: ImportGraph
    rejects: list[Reject]
    warnings: list[Finding]
    cleaner: Cleaner
    imported: int
    networks: list[Network]
    actors: list[Any] = field(default_factory=list)
    records: int = 0
    memberships: int = 0
    unused_overrides: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.table.rows)

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.rejects).items()))

    def warnings_by_check(self) -> dict[str, int]:
        return dict(sorted(Counter(w.check for w in self.warnings).items()))


# --- the common start ---------------------------------------------------------------------


def open_table(path: Path, mapping: Mapping, encoding: str | None, delimiter: str | None) -> Table:
    table = read_table(
        path,
        encoding=encoding or mapping.encoding,
        delimiter=delimiter or mapping.delimiter,
    )
    mapping.check_columns(table.header, str(path))
    return table


def _cell(row: Row, mapping: Mapping, name: str) -> str | None:
    column = mapping.column(name)
    return row.values.get(column) if column else None


# --- memberships --------------------------------------------------------------------------


@dataclass
class _Parsed:
    row: Row
    record: ActorRecord
    network_key: str
    role: str
    year: str | None  # the joining date: YYYY, YYYY-MM or YYYY-MM-DD, as the table gives it
    population: int | None


def import_memberships(
    table: Table,
    mapping: Mapping,
    curated: Curated,
    overrides: Overrides,
    slug: str,
    kg: Any,
) -> ImportResult:
    cleaner = Cleaner(mapping.na)
    rejects: list[Reject] = []
    warnings: list[Finding] = []
    parsed: list[_Parsed] = []
    networks: dict[str, Network] = {}

    for row in table.rows:
        if row.problem:
            rejects.append(Reject(row.line, "malformed-row", row.problem, row.raw))
            continue
        try:
            item = _parse_membership(row, mapping, cleaner, warnings, networks)
        except CellError as error:
            rejects.append(Reject(row.line, error.reason, error.detail, row.raw))
            continue
        parsed.append(item)

    _check_roles(mapping, curated)
    graph = ImportGraph(slug)
    taken = set(curated.iris)
    _resolve_networks(networks, curated, overrides, taken, graph, mapping)
    network_iris = {n.iri for n in networks.values()}

    actors = reconcile_actors([p.record for p in parsed], curated, overrides, taken | network_iris)
    actor_of = {id(r): a for a in actors for r in a.records}
    for actor in actors:  # (in the report's warnings too, where a curator looks first)
        warnings.extend(
            Finding(actor.first_line, "possibly-the-same-city", f"{actor.label}: {evidence}")
            for evidence in actor.evidence
            if evidence.startswith(POSSIBLY_THE_SAME)
        )

    # memberships, in row order; duplicates merged or rejected
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    imported_lines: list[int] = []
    for p in parsed:
        actor = actor_of[id(p.record)]
        network = networks[p.network_key]
        if actor.iri == network.iri:
            rejects.append(
                Reject(
                    p.row.line,
                    "member-of-itself",
                    f"{short_iri(actor.iri)} is the network",
                    p.row.raw,
                )
            )
            continue
        key = (actor.iri, network.iri)
        if key in seen:
            first = seen[key]
            if p.year and first["year"] and p.year[:4] != first["year"][:4]:
                rejects.append(
                    Reject(
                        p.row.line,
                        "duplicate-membership-conflict",
                        f"{short_iri(actor.iri)} in {short_iri(network.iri)} is already imported "
                        f"from line {first['line']} with joining year {first['year']}, this row "
                        f"says {p.year}",
                        p.row.raw,
                    )
                )
                continue
            warnings.append(
                Finding(
                    p.row.line,
                    "duplicate-membership",
                    f"{short_iri(actor.iri)} in {short_iri(network.iri)} is also stated on line "
                    f"{first['line']}: merged into one membership",
                )
            )
            first["roles"].append(p.role)
            # the same year (or none) again: keep the more precise date
            first["year"] = max((first["year"] or "", p.year or ""), key=len) or None
        else:
            seen[key] = {"line": p.row.line, "roles": [p.role], "year": p.year}
        imported_lines.append(p.row.line)
        _check_membership(p, actor, network, curated, warnings)

    _write_actors(graph, actors, curated, kg)
    for (member, organization), m in seen.items():
        graph.membership(member, organization, unique(m["roles"]), m["year"])
    for role in sorted({r for m in seen.values() for r in m["roles"]}):
        if f"{_role_iri(role)}" in curated.iris:
            graph.role(role, None)
        else:
            graph.role(role, mapping.role_labels[role])
    graph.describe_source(mapping.source)
    graph.restate(kg, _restate_seeds(graph, curated))
    return ImportResult(
        table=table,
        graph=graph,
        rejects=sorted(rejects, key=lambda r: r.line),
        warnings=sorted(warnings, key=lambda w: (w.line, w.check)),
        cleaner=cleaner,
        imported=len(imported_lines),
        networks=sorted(networks.values(), key=lambda n: n.lines[0]),
        actors=actors,
        records=len(parsed),
        memberships=len(seen),
        unused_overrides=_unused(overrides),
    )


def _role_iri(role: str) -> str:
    from ..namespaces import ID

    return f"{ID}role/{role}"


def _check_roles(mapping: Mapping, curated: Curated) -> None:
    """Every role the mapping uses is curated or defined with labels by the mapping."""
    for role in sorted({*mapping.roles.values(), mapping.default_role}):
        if _role_iri(role) not in curated.iris and role not in mapping.role_labels:
            raise UsageError(
                f"{mapping.path}: role {role!r} is not in the curated data; give its labels in "
                f"roles.labels.{role} (fr and en)"
            )


def _parse_membership(
    row: Row,
    mapping: Mapping,
    cleaner: Cleaner,
    warnings: list[Finding],
    networks: dict[str, Network],
) -> _Parsed:
    col = mapping.columns
    name = cleaner.text(_cell(row, mapping, "name"), col["name"])
    if name is None:
        raise CellError("missing-name", f"{col['name']}: no member name")
    country = cleaner.country(_cell(row, mapping, "country"), col["country"], mapping.countries)
    if country is None:
        raise CellError("missing-country", f"{col['country']}: no country for {name!r}")
    if country not in checks.ISO_CODES:
        raise CellError(
            "unknown-country",
            f"{col['country']}: {country!r} is not an ISO 3166-1 alpha-2 code (add it to the "
            "mapping's countries aliases if it stands for one)",
        )

    kind = _actor_kind(row, mapping, cleaner)
    lat = lon = None
    if "latitude" in col and "longitude" in col:
        lat = cleaner.decimal(_cell(row, mapping, "latitude"), col["latitude"])
        lon = cleaner.decimal(_cell(row, mapping, "longitude"), col["longitude"])
        if (lat is None) != (lon is None):
            warnings.append(
                Finding(
                    row.line,
                    "half-coordinates",
                    "only one of latitude and longitude is given: neither is written",
                )
            )
            lat = lon = None
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise CellError(
                    "bad-coordinates", f"latitude {lat}, longitude {lon} are not on the Earth"
                )
            outside = checks.outside_country(country, lat, lon)
            if outside:
                warnings.append(Finding(row.line, "outside-country", f"{name}: {outside}"))

    population = None
    if "population" in col:
        try:
            population = cleaner.integer(_cell(row, mapping, "population"), col["population"])
        except CellError as error:
            warnings.append(Finding(row.line, "bad-population", f"{error.detail}: not checked"))
        if population is not None and population <= 0:
            population = None

    network = networks.setdefault((found := _network_of(row, mapping, cleaner)).key, found)
    network.lines.append(row.line)
    if network.name and network.name not in network.names:
        network.names.append(network.name)

    status = cleaner.text(_cell(row, mapping, "role"), col.get("role", "role"))
    if status is None:
        role = mapping.default_role
    elif status in mapping.roles:
        role = mapping.roles[status]
    else:
        raise CellError(
            "unmapped-role", f"{col['role']}: {status!r} is not in the mapping's roles.values"
        )
    year = None
    if "joined" in col:
        year = cleaner.date(_cell(row, mapping, "joined"), col["joined"])
    identifier = cleaner.text(_cell(row, mapping, "identifier"), col.get("identifier", ""))
    record = ActorRecord(row.line, name, country, kind, lat, lon, identifier)
    return _Parsed(row, record, network.key, role, year, population)


def _actor_kind(row: Row, mapping: Mapping, cleaner: Cleaner) -> str:
    column = mapping.column("kind")
    value = cleaner.text(row.values.get(column), column) if column else None
    if value is None:
        kind = mapping.default_kind
        if kind is None:
            raise CellError("missing-kind", f"{column}: no kind of actor, and no default_kind")
    elif value in mapping.kinds:
        kind = mapping.kinds[value]
    elif mapping.default_kind is not None:
        kind = mapping.default_kind
    else:
        raise CellError("unmapped-kind", f"{column}: {value!r} is not in the mapping's kinds")
    if kind == "reject":
        raise CellError(
            "kind-not-in-model",
            f"{column}: {value!r} members (neither a city nor an association of local "
            "governments) have no class in the model",
        )
    return kind


def _network_of(row: Row, mapping: Mapping, cleaner: Cleaner) -> Network:
    col = mapping.columns
    name = cleaner.text(_cell(row, mapping, "network_name"), col.get("network_name", ""))
    acronym = cleaner.text(_cell(row, mapping, "network_acronym"), col.get("network_acronym", ""))
    code = cleaner.text(_cell(row, mapping, "network_code"), col.get("network_code", ""))
    if not (name or acronym or code):
        raise CellError("missing-network", "no network name, acronym or code")
    key = f"code:{code}" if code else f"name:{compact(acronym or name or '')}"
    return Network(key, name, acronym, code)


def _resolve_networks(
    networks: dict[str, Network],
    curated: Curated,
    overrides: Overrides,
    taken: set[str],
    graph: ImportGraph,
    mapping: Mapping,
) -> None:
    """Match each network to a curated one or mint its IRI; describe the new ones."""
    from ..namespaces import ID

    used = set(taken)
    for network in sorted(networks.values(), key=lambda n: n.lines[0]):
        match = match_organization(
            network.name, network.acronym or network.name, network.code, curated, overrides
        )
        network.evidence = match.evidence
        if match.iri:
            network.iri, network.curated = match.iri, match.iri in curated.iris
        else:
            slug = organization_slug(network.name, network.acronym, network.code)
            iri = f"{ID}{slug}"
            if iri in used:
                iri = f"{ID}{slug}-{organization_slug(None, None, network.code or 'x')}"
            network.iri = iri
            network.evidence.append(f"no curated organization matches: minted {short_iri(iri)}")
        used.add(network.iri)
        names = unique([n for n in (network.name, network.acronym) if n] + network.names)
        if network.curated:
            graph.network(
                network.iri,
                label=None,
                names=names,
                known_labels=curated.entities[network.iri].labels,
                description=None,
            )
        else:
            graph.network(
                network.iri,
                label=names[0],
                names=names[1:],
                known_labels=[],
                description=_description(mapping),
            )
        if network.code:
            graph.add(network.iri, "http://purl.org/dc/terms/identifier", _plain(network.code))


def _plain(text: str) -> Any:
    import pyoxigraph as ox

    return ox.Literal(text)


def _description(mapping: Mapping) -> tuple[str, str]:
    fr, en = NETWORK_DESCRIPTION
    return fr.format(title=mapping.source.title), en.format(title=mapping.source.title)


def _write_actors(graph: ImportGraph, actors: list[Any], curated: Curated, kg: Any) -> None:
    for actor in actors:
        known = curated.entities.get(actor.curated or "")
        known_labels = known.labels if known else []
        label = None if known else actor.label
        names = actor.names if known else actor.names[1:]
        if actor.kind == "city":
            graph.city(
                actor.iri,
                label=label,
                names=names,
                known_labels=known_labels,
                country=actor.country,
                coordinates=actor.coordinates(),
            )
        else:
            graph.network(
                actor.iri,
                label=label,
                names=names,
                known_labels=known_labels,
                description=None if known else _member_description(graph),
            )
            if known:
                graph.typed_as(actor.iri, ())


def _member_description(graph: ImportGraph) -> tuple[str, str]:
    return (
        "Association de collectivités locales, membre d'un réseau de villes.",
        "An association of local governments that is a member of a city network.",
    )


def _check_membership(
    p: _Parsed, actor: Any, network: Network, curated: Curated, warnings: list[Finding]
) -> None:
    known = curated.entities.get(network.iri)
    if p.year is not None:
        problem = checks.impossible_year(int(p.year[:4]), known.founded if known else None)
        if problem:
            warnings.append(Finding(p.row.line, "impossible-year", f"{p.record.name}: {problem}"))
    if known:
        problem = checks.kind_contradiction(actor.kind, known.member_kinds)
        if problem:
            warnings.append(
                Finding(
                    p.row.line,
                    "kind-contradicts-criteria",
                    f"{p.record.name} in {short_iri(network.iri)}: {problem}",
                )
            )
        if known.min_population and p.population is not None and actor.kind == "city":
            problem = checks.below_population(p.population, known.min_population)
            if problem:
                warnings.append(
                    Finding(
                        p.row.line,
                        "population-below-criterion",
                        f"{p.record.name} in {short_iri(network.iri)}: {problem}",
                    )
                )


def _restate_seeds(graph: ImportGraph, curated: Curated) -> set[str]:
    """The curated resources the import links to (whose curated description is restated)."""
    import pyoxigraph as ox

    mentioned = {t[0].value for t in graph.triples} | {
        t[2].value for t in graph.triples if isinstance(t[2], ox.NamedNode)
    }
    return {iri for iri in mentioned if iri in curated.iris}


def _unused(overrides: Overrides) -> list[str]:
    listed = (
        [f"same {a} / {b}" for a, b in overrides.same]
        + [f"different {a} / {b}" for a, b in overrides.different]
        + [f"map {r}" for r, _ in overrides.actors]
        + [f"map organization {k}" for k, _ in overrides.organizations]
    )
    return [entry for entry in listed if entry not in overrides.used]


# --- organizations ------------------------------------------------------------------------


def import_organizations(
    table: Table,
    mapping: Mapping,
    curated: Curated,
    overrides: Overrides,
    slug: str,
    kg: Any,
) -> ImportResult:
    cleaner = Cleaner(mapping.na)
    rejects: list[Reject] = []
    warnings: list[Finding] = []
    networks: dict[str, Network] = {}
    col = mapping.columns
    imported = 0
    for row in table.rows:
        if row.problem:
            rejects.append(Reject(row.line, "malformed-row", row.problem, row.raw))
            continue
        try:
            name = cleaner.text(_cell(row, mapping, "name"), col["name"])
            if name is None:
                raise CellError("missing-name", f"{col['name']}: no organization name")
            acronym = cleaner.text(_cell(row, mapping, "acronym"), col.get("acronym", ""))
            code = cleaner.text(_cell(row, mapping, "code"), col.get("code", ""))
            founded = cleaner.date(_cell(row, mapping, "founded"), col.get("founded", ""))
            url = cleaner.text(_cell(row, mapping, "url"), col.get("url", ""))
        except CellError as error:
            rejects.append(Reject(row.line, error.reason, error.detail, row.raw))
            continue
        if founded is not None and checks.impossible_year(int(founded[:4])):
            warnings.append(
                Finding(
                    row.line,
                    "impossible-year",
                    f"{name}: founding {checks.impossible_year(int(founded[:4]))}",
                )
            )
        if url and re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", url, re.IGNORECASE):
            url = f"http://{url}"
            cleaner.counts["url-scheme", col["url"]] += 1
        if url and not url.lower().startswith(("http://", "https://")):
            warnings.append(
                Finding(row.line, "bad-url", f"{name}: {url!r} is not a web address; not written")
            )
            url = None
        key = f"code:{code}" if code else f"name:{compact(acronym or name)}"
        if key in networks:
            first = networks[key]
            warnings.append(
                Finding(
                    row.line,
                    "duplicate-organization",
                    f"{name}: same {key} as line {first.lines[0]}: merged",
                )
            )
            first.lines.append(row.line)
            first.names = unique(
                [*first.names, name, *([clean_acronym(acronym)] if acronym else [])]
            )
            first.founded = first.founded or founded
            first.url = first.url or url
        else:
            names = unique([name, *([clean_acronym(acronym)] if acronym else [])])
            networks[key] = Network(
                key, name, acronym, code, [row.line], names, founded=founded, url=url
            )
        imported += 1

    graph = ImportGraph(slug)
    used = set(curated.iris)
    from ..namespaces import ID

    for network in networks.values():
        match = match_organization(network.name, network.acronym, network.code, curated, overrides)
        network.evidence = match.evidence
        if match.iri:
            network.iri, network.curated = match.iri, match.iri in curated.iris
        else:
            base = organization_slug(network.name, network.acronym, network.code)
            network.iri = f"{ID}{base}"
            if network.iri in used:
                network.iri = f"{ID}{base}-{organization_slug(None, None, network.code or 'x')}"
            network.evidence.append(
                f"no curated organization matches: minted {short_iri(network.iri)}"
            )
        used.add(network.iri)
        if network.curated:
            graph.network(
                network.iri,
                label=None,
                names=network.names,
                known_labels=curated.entities[network.iri].labels,
                description=None,
            )
        else:
            graph.network(
                network.iri,
                label=network.names[0],
                names=network.names[1:],
                known_labels=[],
                description=_description(mapping),
            )
        if network.code:
            graph.add(network.iri, "http://purl.org/dc/terms/identifier", _plain(network.code))
        if network.founded is not None:
            from .writer import date_literal

            graph.add(
                network.iri,
                "https://schema.org/foundingDate",
                date_literal(network.founded),
            )
        if network.url:
            import pyoxigraph as ox

            try:
                graph.add(network.iri, "https://schema.org/url", ox.NamedNode(network.url))
            except ValueError:
                warnings.append(
                    Finding(
                        network.lines[0],
                        "bad-url",
                        f"{network.name}: {network.url!r} is not an IRI; not written",
                    )
                )
    graph.describe_source(mapping.source)
    graph.restate(kg, _restate_seeds(graph, curated))
    return ImportResult(
        table=table,
        graph=graph,
        rejects=sorted(rejects, key=lambda r: r.line),
        warnings=sorted(warnings, key=lambda w: (w.line, w.check)),
        cleaner=cleaner,
        imported=imported,
        networks=list(networks.values()),
        unused_overrides=_unused(overrides),
    )


def check_counts(result: ImportResult) -> None:
    """Every row is imported or rejected, never both, never neither."""
    if result.imported + len(result.rejects) != result.rows:
        raise AssertionError(  # a bug in the importer, not in the input
            f"{result.imported} imported + {len(result.rejects)} rejected != {result.rows} rows"
        )
