"""Network analytics: the knowledge graph as networkx graphs, and measures on them.

Read the graph once with :func:`read_facts` (SPARQL through ``kg.sparql()``, the only reader;
:func:`facts_of` keeps what it read beside an on-disk store for the next command), then build
views (:mod:`.views`), compute measures (:mod:`.measures`) or co-membership at scale
(:mod:`.sparse`). Dates: :mod:`.dates`.

>>> from citygraph.analysis import read_facts, measures
>>> facts = read_facts(kg)
>>> measures.path(facts, "Lyon", "Genoa").meta["explanation"]
"""

from __future__ import annotations

from .dates import PartialDate, parse_as_of
from .facts import Facts, facts_of, read_facts

__all__ = ["Facts", "PartialDate", "facts_of", "parse_as_of", "read_facts"]
