"""The garbage collector paused while large results are built (collector.py)."""

from __future__ import annotations

import gc
import threading

import pytest

from citygraph import collector
from citygraph.query import rows_of


def test_a_pause_turns_the_collector_off_and_back_on(collections):
    with collector.paused():
        assert not gc.isenabled()
        [[i] for i in range(10_000)]  # would start collections
        during = len(collections)
    assert gc.isenabled()
    assert during == 0
    [[i] for i in range(10_000)]
    assert len(collections) > 100  # the fixture's threshold does start them outside a pause


def test_pauses_nest_and_an_error_ends_them(collections):
    with pytest.raises(ValueError), collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()  # the inner pause ended, the outer one goes on
        raise ValueError
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_program_stays_off():
    enabled = gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if enabled else gc.disable)()


def test_overlapping_pauses_in_two_threads_end_with_the_last(collections):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with collector.paused():
            second_in.set()
            first_out.wait()
            seen.append(gc.isenabled())  # the first pause has ended; this one has not

    thread = threading.Thread(target=second)
    thread.start()
    with collector.paused():
        first_in.set()
        second_in.wait()
    first_out.set()
    thread.join()
    assert seen == [False]
    assert gc.isenabled()


# Below, a few collections start before and after the rows are built (as the query is read, and
# when the pause ends); without the pause, the rows below start hundreds.


def test_the_rows_of_a_wide_query_are_built_without_a_collection(kg, collections):
    # every statement of the shipped data: thousands of rows of terms, ordered in Python
    result = kg.sparql("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o")
    during = len(collections)
    assert len(result.rows) > 3_000
    assert during <= 5
    before = len(collections)
    rows = rows_of(result, drop=["p"])  # as a catalogue query's parameter columns are
    during = len(collections) - before
    assert len(rows) == len(result.rows) and rows.vars == ["s", "o"]
    assert rows[0] == (result.rows[0][0], result.rows[0][2])
    assert during <= 5
    assert gc.isenabled()


def test_the_text_rows_of_a_wide_query_are_built_without_a_collection(kg, collections):
    _, rows = kg.select_text("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    during = len(collections)
    assert len(rows) > 3_000
    assert during <= 5
