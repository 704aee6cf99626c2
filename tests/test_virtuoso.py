"""``--store sparql:URL`` against a real Virtuoso (Debian's virtuoso-opensource, ``make virtuoso``),
started by this module on loopback with a fresh database: cloudkader loads the compiled corpus
through Virtuoso's Graph Store and every named query, applicability and validation give the same
answers as the embedded store; the default graph is the union with each triple once; a query's
own FROM is honoured; and a real ``cloudkader serve --store sparql:URL`` answers ``/sparql``
with a query sent as ``application/sparql-query`` (which Virtuoso itself never answers).

Skipped only when ``make virtuoso`` could not install Virtuoso with apt (it says why in
``build/virtuoso-unavailable.txt``); without that note a missing Virtuoso is a failure."""

from __future__ import annotations

import pytest
import requests

from cloudkader.knowledge import queries
from cloudkader.knowledge.app_state import get_store

from .server_process import ROOT, ServerProcess
from .test_store_parity import assert_dataset_rules, checks_that_differ, queries_that_differ, served_bindings
from .virtuoso_server import VirtuosoServer, virtuoso_binary

UNAVAILABLE = ROOT / "build" / "virtuoso-unavailable.txt"


@pytest.fixture(scope="module")
def virtuoso():
    if virtuoso_binary() is None:
        if UNAVAILABLE.exists():
            pytest.skip(UNAVAILABLE.read_text(encoding="utf-8").strip())
        pytest.fail("virtuoso-t is missing: run `make virtuoso` (apt-get install virtuoso-opensource-7-bin)")
    server = VirtuosoServer()
    yield server
    server.stop()


def test_virtuoso_answers_as_the_embedded_store(virtuoso):
    """One test (so one Virtuoso, whatever pytest-xdist does): the corpus is loaded through
    Virtuoso's authenticated Graph Store, then every named query, the dataset rules, applicability
    and validation, and the real service in front of it."""
    store, embedded = get_store(virtuoso.store_spec), get_store("oxigraph")
    assert store.engine == "virtuoso" and store.store_url.endswith("/sparql-graph-crud-auth")

    assert not queries_that_differ(store, embedded)

    assert_dataset_rules(store, embedded)  # each triple once; a query's own FROM is its dataset

    assert checks_that_differ(virtuoso.store_spec) == set()

    # the real service: a query POSTed as application/sparql-query is passed on to Virtuoso as a
    # form, and the answer is the embedded store's
    text = queries.get("frameworks").text
    with ServerProcess(store=virtuoso.store_spec) as server:
        log = server.log
        r = requests.post(server.url + "/sparql", data=text.encode("utf-8"), timeout=60,
                          headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert "dba:***@" in log and ":dba@" not in log  # the password is not printed
    assert r.status_code == 200, r.text
    got, expected = served_bindings(r.text, text)
    assert got and got == expected
