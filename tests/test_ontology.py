"""The OWL ontology: it parses everywhere, is versioned, documents and aligns every cg: term."""

from functools import cache
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

ONTOLOGY_DIR = Path(__file__).parents[1] / "ontology"
ONTOLOGY = ONTOLOGY_DIR / "citygraph.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
CG = Namespace("https://w3id.org/citygraph/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/citygraph/ontology")
STANDARD = (
    "http://www.w3.org/ns/org#",
    "https://schema.org/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2006/time#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
)

# The terms docs/model.md defines: the ontology must declare each with the right kind.
MODEL_CLASSES = [
    "CityNetwork",
    "InternationalBody",
    "Programme",
    "Forum",
    "Charter",
    "InternalUnit",
    "City",
    "Merger",
    "Succession",
    "Renaming",
    "ReportedSize",
    "MembershipCriterion",
    "Objective",
]
MODEL_OBJECT_PROPERTIES = [
    "initiator",
    "sectionOf",
    "nationalSectionOf",
    "reportedSize",
    "membershipCriterion",
    "memberKind",
    "theme",
    "geographicScope",
    "principle",
    "objective",
    "partOfFramework",
    "cooperatesThrough",
    "seatShare",
    "successorOf",
    "predecessorOf",
]
MODEL_DATATYPE_PROPERTIES = ["approximate", "meetingFrequency", "composition"]
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def cg_terms() -> list[URIRef]:
    graph = ontology()
    terms = {
        s for kind in KINDS for s in graph.subjects(RDF.type, kind) if str(s).startswith(str(CG))
    }
    return sorted(terms)  # type: ignore[arg-type]


def test_parses_with_pyoxigraph() -> None:
    quads = list(pyoxigraph.parse(path=str(ONTOLOGY), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) > 100


def test_is_a_versioned_owl_ontology() -> None:
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        f"{ONTOLOGY_IRI}/{graph.value(ONTOLOGY_IRI, OWL.versionInfo)}"
    )


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (MODEL_CLASSES, OWL.Class),
        (MODEL_OBJECT_PROPERTIES, OWL.ObjectProperty),
        (MODEL_DATATYPE_PROPERTIES, OWL.DatatypeProperty),
    ],
)
def test_declares_every_term_of_the_model(names: list[str], kind: URIRef) -> None:
    missing = [name for name in names if (CG[name], RDF.type, kind) not in ontology()]
    assert missing == []


@pytest.mark.parametrize("term", cg_terms(), ids=lambda t: t.removeprefix(str(CG)))
def test_term_has_label_and_comment_in_english_and_french(term: URIRef) -> None:
    graph = ontology()
    for prop in (RDFS.label, RDFS.comment):
        languages = sorted(lit.language for lit in graph.objects(term, prop))  # type: ignore[attr-defined]
        assert languages == ["en", "fr"], (term, prop)
    assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI


def aligned(cls: URIRef, graph: Graph) -> bool:
    """A class is aligned if a superclass, directly or through cg: classes, is standard."""
    supers = [s for s in graph.objects(cls, RDFS.subClassOf) if isinstance(s, URIRef)]
    return any(str(s).startswith(STANDARD) for s in supers) or any(
        str(s).startswith(str(CG)) and aligned(s, graph) for s in supers
    )


def test_every_class_is_aligned_with_a_standard_vocabulary() -> None:
    graph = ontology()
    classes = [t for t in cg_terms() if (t, RDF.type, OWL.Class) in graph]
    assert [c for c in classes if not aligned(c, graph)] == []


def test_every_cg_term_used_in_the_shapes_is_declared() -> None:
    shapes = Graph().parse(SHAPES)
    used = {node for triple in shapes for node in triple if str(node).startswith(str(CG))}
    assert used, "the shapes use no cg: term at all?"
    assert sorted(used - set(cg_terms())) == []
