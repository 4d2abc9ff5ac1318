"""Every IRI prefix of the project, once.

Standard vocabularies come from :mod:`rdflib.namespace`; only our own namespaces are minted here.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    VOID,
    XSD,
)

CG = Namespace("https://w3id.org/citygraph/ontology#")
ID = Namespace("https://w3id.org/citygraph/id/")
GRAPH = Namespace("https://w3id.org/citygraph/graph/")
SOURCE = Namespace("https://w3id.org/citygraph/id/source/")
CGSH = Namespace("https://w3id.org/citygraph/shapes#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")
GEONAMES = Namespace("https://sws.geonames.org/")
SCHEMA = SDO

# The prefixes written in every export and accepted in every query, in a fixed order.
PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "org": str(ORG),
    "schema": str(SDO),
    "time": str(TIME),
    "geo": str(GEO),
    "sh": str(SH),
    "wd": str(WD),
    "cg": str(CG),
    "cgsh": str(CGSH),
    "id": str(ID),
}

# Our resources' IRI pattern (docs/model.md): lowercase ASCII slugs, `/` between segments.
RESOURCE_PATTERN = (
    r"^https://w3id\.org/citygraph/id/[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-+[a-z0-9]+)*)*$"
)


def source_iri(slug: str) -> str:
    """The source resource that a data folder's statements are claims of."""
    return f"{SOURCE}{slug}"


def graph_iri(slug: str) -> str:
    """The named graph holding one source's statements."""
    return f"{GRAPH}{slug}"
