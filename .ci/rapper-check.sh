#!/usr/bin/env bash
# A third, independent parser (raptor's rapper) reads the Turtle, N-Triples and RDF/XML exports;
# each must parse without error and give exactly the triple count that Python (pyoxigraph) finds.
# Usage: .ci/rapper-check.sh DIST_FOLDER       (called by .ci/run after `citygraph build`)
set -euo pipefail
dist=${1:-dist}
python=${PYTHON:-$(dirname "$0")/../.venv/bin/python}
[ -x "$python" ] || python=python3
if ! command -v rapper >/dev/null 2>&1; then
  echo "rapper-check: rapper (raptor2-utils) is not installed" >&2
  exit 1
fi
status=0
for spec in "citygraph.ttl turtle TURTLE" "citygraph.nt ntriples N_TRIPLES" "citygraph.rdf rdfxml RDF_XML" "catalog.ttl turtle TURTLE"; do
  set -- $spec
  file="$dist/$1"
  if ! messages=$(rapper --input "$2" --count "$file" 2>&1 >/dev/null); then
    echo "rapper-check: $file: rapper could not parse it:" >&2
    echo "$messages" >&2
    status=1
    continue
  fi
  rapper_count=$(echo "$messages" | sed -n 's/.*returned \([0-9][0-9]*\) triples.*/\1/p')
  python_count=$("$python" -c 'import sys, pyoxigraph as ox
print(sum(1 for _ in ox.parse(path=sys.argv[1], format=getattr(ox.RdfFormat, sys.argv[2]))))' "$file" "$3")
  if [ "$rapper_count" != "$python_count" ]; then
    echo "rapper-check: $file: rapper counts ${rapper_count:-nothing}, Python counts $python_count" >&2
    status=1
  else
    echo "rapper-check: $file: $rapper_count triples (rapper and Python agree)"
  fi
done
exit $status
