"""The distribution's description for data portals: DCAT-AP 3.0.1 and VoID (``dist/catalog.ttl``).

Portals (data.gouv.fr, data.europa.eu) harvest DCAT-AP; triple stores and crawlers read VoID. Both
describe the same ``dcat:Dataset`` / ``void:Dataset`` node. Everything here is derived from the
files just written and from the release (``citygraph.__version__`` and :data:`RELEASES`), never
from the clock, so the catalog is as deterministic as the data. Every node has an IRI: portals
merge harvested records, and blank nodes would multiply on every harvest.

The values of controlled properties come from the EU vocabularies (languages, file types, data
themes, countries, frequencies) and IANA media types, as DCAT-AP requires; each is typed and
labelled here because the DCAT-AP range shapes check the class of every value without fetching it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, SKOS, VOID, XSD

from . import __version__
from .namespaces import ID, PREFIXES

if TYPE_CHECKING:
    from .export import Snapshot, WrittenFile

# The date of each release, from CHANGELOG.md (a test checks they agree). The catalog's dates come
# from here so that rebuilding a release gives the same bytes on any day.
RELEASES: dict[str, str] = {"0.1.0": "2026-11-26"}
FIRST_RELEASE = "0.1.0"

BASE = "https://w3id.org/citygraph/"
DOWNLOAD_BASE = f"{BASE}releases/{__version__}/"
CATALOG = URIRef(f"{BASE}catalog")
DATASET = URIRef(f"{BASE}dataset")
PUBLISHER = URIRef(f"{BASE}publisher")
CONTACT = URIRef(f"{BASE}contact")
TEMPORAL = URIRef(f"{BASE}dataset/temporal-coverage")
HOMEPAGE = URIRef("https://w3id.org/citygraph")
ONTOLOGY = URIRef(f"{BASE}ontology")

# Licence Ouverte / Open Licence 2.0 (Etalab): the licence French public bodies use for open data
# (décret 2017-638), compatible with CC BY 4.0 and ODC-BY; attribution only. See LICENSE-DATA.
LICENSE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's closed DCAT lacks dcat:version
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

# file name -> (title, IANA media type, EU file type, description)
_KINDS: dict[str, tuple[str, str, str, str]] = {
    ".ttl": ("Turtle", "text/turtle", "RDF_TURTLE", "the union of all sources, readable Turtle"),
    ".nt": (
        "N-Triples",
        "application/n-triples",
        "RDF_N_TRIPLES",
        "the union of all sources, one sorted triple per line",
    ),
    ".nq": (
        "N-Quads",
        "application/n-quads",
        "RDF_N_QUADS",
        "one named graph per source, sorted lines",
    ),
    ".trig": ("TriG", "application/trig", "RDF_TRIG", "one named graph per source"),
    ".jsonld": (
        "JSON-LD",
        "application/ld+json",
        "JSON_LD",
        "the union of all sources, compacted JSON-LD",
    ),
    ".rdf": ("RDF/XML", "application/rdf+xml", "RDF_XML", "the union of all sources"),
    ".csv": ("CSV", "text/csv", "CSV", "a tidy table, one row per fact and source"),
    ".json": (
        "CSVW metadata",
        "application/csvm+json",
        "JSON",
        "CSV on the Web metadata describing every column of the tables",
    ),
}
_FILE_TYPE_LABELS = {
    "RDF_TURTLE": "Turtle",
    "RDF_N_TRIPLES": "N-Triples",
    "RDF_N_QUADS": "N-Quads",
    "RDF_TRIG": "TriG",
    "JSON_LD": "JSON-LD",
    "RDF_XML": "RDF/XML",
    "CSV": "CSV",
    "JSON": "JSON",
}


def _distribution_kind(name: str) -> tuple[str, str, str, str]:
    if name.endswith("context.jsonld"):
        return (
            "JSON-LD context",
            "application/ld+json",
            "JSON_LD",
            "the JSON-LD @context of citygraph.jsonld, for reuse by applications",
        )
    return _KINDS["." + name.rsplit(".", 1)[-1]]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _concept(g: Graph, iri: URIRef, scheme: str, label: str, *types: URIRef) -> URIRef:
    """An EU authority concept, typed and labelled so that range shapes can check it."""
    title = scheme.replace("-", " ").capitalize()
    return _scheme_concept(g, iri, label, URIRef(EU + scheme), title, *types)


def _scheme_concept(
    g: Graph, iri: URIRef, label: str, scheme: URIRef, scheme_title: str, *types: URIRef
) -> URIRef:
    """A concept of a controlled vocabulary, with its scheme, as DCAT-AP's range shapes want."""
    g.add((iri, RDF.type, SKOS.Concept))
    for t in types:
        g.add((iri, RDF.type, t))
    g.add((iri, SKOS.prefLabel, Literal(label, lang="en")))
    g.add((iri, SKOS.inScheme, scheme))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal(scheme_title, lang="en")))
    return iri


def _both(g: Graph, s: URIRef, p: URIRef, fr: str, en: str) -> None:
    g.add((s, p, Literal(fr, lang="fr")))
    g.add((s, p, Literal(en, lang="en")))


def _date(version: str) -> Literal:
    return Literal(RELEASES[version], datatype=XSD.date)


_DATED = re.compile(
    rb'"(-?\d{4})[^"]*"\^\^<http://www\.w3\.org/2001/XMLSchema#(?:date|gYear|gYearMonth)>'
)


def _years(pieces: Iterable[bytes]) -> tuple[str, str] | None:
    """Earliest and latest year of any dated fact (founding, membership, event, report)."""
    earliest = latest = None
    for piece in pieces:
        found = _DATED.findall(piece)
        if found:
            low, high = min(found), max(found)
            earliest = low if earliest is None or low < earliest else earliest
            latest = high if latest is None or high > latest else latest
    return None if earliest is None or latest is None else (earliest.decode(), latest.decode())


def _void_counts(snapshot: Snapshot) -> dict[URIRef, int]:
    """VoID's counts. The union is sorted, so each subject's statements are next to each other:
    subjects are counted as they change, and only the objects need a set (at 10 M statements a
    set of every subject was 2 million more strings in the build's peak)."""
    objects, predicates, classes = set(), set(), set()
    subjects = entities = 0
    previous = None
    entity = f"<{ID}"
    for line in snapshot.triples:
        s, p, o = line[:-2].split(" ", 2)
        if s != previous:
            previous = s
            subjects += 1
            entities += s.startswith(entity)
        predicates.add(p)
        objects.add(o)
        if p == "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>":
            classes.add(o)
    return {
        VOID.triples: len(snapshot.triples),
        VOID.entities: entities,
        VOID.classes: len(classes),
        VOID.properties: len(predicates),
        VOID.distinctSubjects: subjects,
        VOID.distinctObjects: len(objects),
    }


def _vocabularies(pieces: Iterable[bytes]) -> list[str]:
    namespaces = sorted({v for k, v in PREFIXES.items() if k not in ("id", "sh", "cgsh")})
    left = {ns: f"<{ns}".encode() for ns in namespaces}
    for piece in pieces:
        left = {ns: needle for ns, needle in left.items() if needle not in piece}
    return [ns for ns in namespaces if ns not in left]


@dataclass(frozen=True)
class SnapshotFacts:
    """What the catalog says about the data itself: a pass over every statement, so a build
    computes it in a render worker while the files are being written."""

    years: tuple[str, str] | None
    counts: dict[URIRef, int]
    vocabularies: list[str]


def snapshot_facts(snapshot: Snapshot) -> SnapshotFacts:
    # the union as N-Triples text, in any order (the years and namespaces do not depend on it):
    # the one text the render workers share, if it was made, else pieces of it (at 10 M
    # statements the whole text is 1.6 GB, which the build made here only for this)
    pieces = snapshot.union_pieces
    return SnapshotFacts(_years(pieces()), _void_counts(snapshot), _vocabularies(pieces()))


def catalog_graph(
    snapshot: Snapshot, files: Mapping[str, WrittenFile], facts: SnapshotFacts | None = None
) -> Graph:
    """The DCAT-AP + VoID description of the files written beside it (name -> size and
    checksum)."""
    from .export import FILES

    g = Graph()
    version = __version__
    modified = _date(version) if version in RELEASES else _date(FIRST_RELEASE)

    # Publisher and contact.
    g.add((PUBLISHER, RDF.type, FOAF.Agent))
    g.add((PUBLISHER, RDF.type, FOAF.Organization))
    g.add((PUBLISHER, FOAF.name, Literal("citygraph contributors")))
    g.add((PUBLISHER, FOAF.homepage, HOMEPAGE))
    publisher_type = _scheme_concept(
        g,
        URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation"),
        "Non-Profit Organisation",
        URIRef("http://purl.org/adms/publishertype/1.0"),
        "Publisher type",
    )
    g.add((PUBLISHER, DCTERMS.type, publisher_type))
    g.add((CONTACT, RDF.type, VCARD.Kind))
    g.add((CONTACT, RDF.type, VCARD.Organization))
    g.add((CONTACT, VCARD.fn, Literal("citygraph contributors")))
    g.add((CONTACT, VCARD.hasURL, HOMEPAGE))
    g.add((HOMEPAGE, RDF.type, FOAF.Document))

    # Licence.
    g.add((LICENSE, RDF.type, DCTERMS.LicenseDocument))
    g.add((LICENSE, DCTERMS.title, Literal("Licence Ouverte / Open Licence 2.0", lang="fr")))
    g.add((LICENSE, DCTERMS.title, Literal("Open Licence 2.0 (Etalab)", lang="en")))
    attribution = _scheme_concept(
        g,
        URIRef("http://purl.org/adms/licencetype/Attribution"),
        "Attribution",
        URIRef("http://purl.org/adms/licencetype/1.0"),
        "Licence type",
    )
    g.add((LICENSE, DCTERMS.type, attribution))

    # Controlled values.
    languages = [
        _concept(g, URIRef(EU + "language/FRA"), "language", "French", DCTERMS.LinguisticSystem),
        _concept(g, URIRef(EU + "language/ENG"), "language", "English", DCTERMS.LinguisticSystem),
    ]
    themes = [
        _concept(g, URIRef(EU + "data-theme/REGI"), "data-theme", "Regions and cities"),
        _concept(g, URIRef(EU + "data-theme/GOVE"), "data-theme", "Government and public sector"),
        _concept(g, URIRef(EU + "data-theme/INTR"), "data-theme", "International issues"),
    ]
    spatial = [
        _concept(g, URIRef(EU + "country/FRA"), "country", "France", DCTERMS.Location),
        _concept(g, URIRef(EU + "continent/EUROPE"), "continent", "Europe", DCTERMS.Location),
    ]
    marseille = URIRef("https://sws.geonames.org/2995469/")
    g.add((marseille, RDF.type, DCTERMS.Location))
    g.add((marseille, SKOS.prefLabel, Literal("Marseille", lang="fr")))
    spatial.append(marseille)
    frequency = _concept(
        g, URIRef(EU + "frequency/IRREG"), "frequency", "irregular", DCTERMS.Frequency
    )
    stable = _concept(
        g, URIRef(EU + "planned-availability/STABLE"), "planned-availability", "stable"
    )
    g.add((ONTOLOGY, RDF.type, DCTERMS.Standard))
    g.add((ONTOLOGY, DCTERMS.title, Literal("citygraph ontology", lang="en")))
    g.add((ONTOLOGY, OWL.versionIRI, URIRef(f"{ONTOLOGY}/{version}")))

    # Catalog.
    g.add((CATALOG, RDF.type, DCAT.Catalog))
    _both(g, CATALOG, DCTERMS.title, "Catalogue citygraph", "citygraph catalogue")
    _both(
        g,
        CATALOG,
        DCTERMS.description,
        "Catalogue des données ouvertes du projet citygraph.",
        "Catalogue of the open data of the citygraph project.",
    )
    g.add((CATALOG, DCTERMS.publisher, PUBLISHER))
    g.add((CATALOG, DCTERMS.license, LICENSE))
    g.add((CATALOG, DCTERMS.issued, _date(FIRST_RELEASE)))
    g.add((CATALOG, DCTERMS.modified, modified))
    g.add((CATALOG, FOAF.homepage, HOMEPAGE))
    g.add((CATALOG, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
    g.add((CATALOG, DCAT.dataset, DATASET))
    for lang in languages:
        g.add((CATALOG, DCTERMS.language, lang))
    for place in spatial:
        g.add((CATALOG, DCTERMS.spatial, place))

    # Dataset (DCAT-AP) ...
    d = DATASET
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, VOID.Dataset))
    _both(
        g,
        d,
        DCTERMS.title,
        "citygraph : graphe de connaissances des réseaux de villes",
        "citygraph: a knowledge graph of city networks",
    )
    _both(
        g,
        d,
        DCTERMS.description,
        "Les réseaux et associations de villes auxquels Marseille participe (CGLU, Eurocités, "
        "MedCités, AIMF, CCRE...), leurs membres, leurs instances, leurs fusions et les chartes "
        "entre villes, chaque fait rattaché au document qui l'énonce. Formats RDF, JSON-LD et CSV.",
        "The networks and associations of cities that Marseille takes part in (UCLG, Eurocities, "
        "MedCities, AIMF, CEMR...), their members, units, mergers and the charters between "
        "cities, each fact tied to the document that states it. RDF, JSON-LD and CSV formats.",
    )
    g.add((d, DCTERMS.identifier, Literal(str(DATASET))))
    g.add((d, DCAT.version, Literal(version)))
    g.add((d, ADMS.versionNotes, Literal(f"See CHANGELOG.md, release {version}.", lang="en")))
    g.add((d, DCTERMS.issued, _date(FIRST_RELEASE)))
    g.add((d, DCTERMS.modified, modified))
    g.add((d, DCTERMS.publisher, PUBLISHER))
    g.add((d, DCTERMS.creator, PUBLISHER))
    g.add((d, DCAT.contactPoint, CONTACT))
    g.add((d, DCAT.landingPage, HOMEPAGE))
    g.add((d, DCTERMS.accrualPeriodicity, frequency))
    g.add((d, DCTERMS.conformsTo, ONTOLOGY))
    # DCAT-AP puts the licence on each distribution; portals such as data.gouv.fr read it on
    # the dataset too (the shapes are open, so both are allowed).
    g.add((d, DCTERMS.license, LICENSE))
    public = _concept(
        g, URIRef(EU + "access-right/PUBLIC"), "access-right", "public", DCTERMS.RightsStatement
    )
    g.add((d, DCTERMS.accessRights, public))
    for lang in languages:
        g.add((d, DCTERMS.language, lang))
    for theme in themes:
        g.add((d, DCAT.theme, theme))
    for place in spatial:
        g.add((d, DCTERMS.spatial, place))
    for keyword_fr, keyword_en in (
        ("réseaux de villes", "city networks"),
        ("diplomatie des villes", "city diplomacy"),
        ("coopération internationale", "international cooperation"),
        ("collectivités locales", "local governments"),
        ("Méditerranée", "Mediterranean"),
        ("Marseille", "Marseille"),
        ("graphe de connaissances", "knowledge graph"),
    ):
        _both(g, d, DCAT.keyword, keyword_fr, keyword_en)
    facts = facts or snapshot_facts(snapshot)
    years = facts.years
    if years:
        g.add((d, DCTERMS.temporal, TEMPORAL))
        g.add((TEMPORAL, RDF.type, DCTERMS.PeriodOfTime))
        g.add((TEMPORAL, DCAT.startDate, Literal(years[0], datatype=XSD.gYear)))
        g.add((TEMPORAL, DCAT.endDate, Literal(years[1], datatype=XSD.gYear)))

    # ... and its VoID description.
    for prop, count in facts.counts.items():
        g.add((d, prop, Literal(count, datatype=XSD.integer)))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    g.add((d, VOID.uriRegexPattern, Literal(f"^{re.escape(str(ID))}")))
    for example in ("marseille", "eurocities", "membership/marseille--eurocities"):
        if _has_subject(snapshot, f"<{ID}{example}>"):
            g.add((d, VOID.exampleResource, URIRef(f"{ID}{example}")))
    for namespace in facts.vocabularies:
        g.add((d, VOID.vocabulary, URIRef(namespace)))
    g.add((d, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))

    # One distribution per file.
    rdf_files = set(FILES.values())
    for name in sorted(files):
        file = files[name]
        title, media, file_type, description = _distribution_kind(name)
        dist = URIRef(f"{BASE}dataset/distribution/{_slug(name)}")
        download = URIRef(DOWNLOAD_BASE + name)
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{name} ({title})", lang="en")))
        g.add((dist, DCTERMS.description, Literal(f"{name}: {description}.", lang="en")))
        g.add((dist, DCAT.downloadURL, download))
        g.add((dist, DCAT.accessURL, URIRef(DOWNLOAD_BASE)))
        media_iri = URIRef(IANA + media)
        g.add((dist, DCAT.mediaType, media_iri))
        g.add((media_iri, RDF.type, DCTERMS.MediaType))
        format_iri = _concept(
            g,
            URIRef(f"{EU}file-type/{file_type}"),
            "file-type",
            _FILE_TYPE_LABELS[file_type],
            DCTERMS.MediaTypeOrExtent,
        )
        g.add((dist, DCTERMS.format, format_iri))
        g.add((dist, DCAT.byteSize, Literal(file.size, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{dist}/checksum")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
        g.add((dist, DCTERMS.license, LICENSE))
        g.add((dist, DCTERMS.issued, modified))
        g.add((dist, DCATAP.availability, stable))
        if name in rdf_files:
            g.add((d, VOID.dataDump, download))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    return g


def _has_subject(snapshot: Snapshot, subject: str) -> bool:
    import bisect

    i = bisect.bisect_left(snapshot.triples, subject + " ")
    return i < len(snapshot.triples) and snapshot.triples[i].startswith(subject + " ")


def catalog_turtle(
    snapshot: Snapshot, files: Mapping[str, WrittenFile], facts: SnapshotFacts | None = None
) -> bytes:
    """``catalog.ttl``, through the same deterministic Turtle writer as the data."""
    from .export import Snapshot as _Snapshot
    from .export import turtle

    graph = catalog_graph(snapshot, files, facts)
    lines = _Snapshot.from_ntriples(graph.serialize(format="nt")).triples
    return turtle(lines, f"citygraph {__version__}: DCAT-AP 3.0.1 and VoID description of dist/")
