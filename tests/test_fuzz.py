"""Fuzzing, bounded so that it fits the test budget:

- **schemathesis** generates requests from ``/openapi.json`` for every documented operation and
  sends them to the Flask app (with its real query workers): no 5xx, every status and content
  type documented, every JSON answer valid against its documented schema;
- **hypothesis** feeds the service-description reader (``cloudkader.checks.description.parse``,
  ``check``, ``read``) arbitrary bytes, text, Turtle-like token soup and JSON(-LD) structures:
  the answer is a graph/Description or a ``DescriptionError`` — never another exception;
- the same for the command line: ``cloudkader validate`` on generated files exits 0, 1 or 2 and
  never prints a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import schemathesis
except ImportError:  # the test extras name it; without it only the API fuzzing is left out
    schemathesis = None

MAX_EXAMPLES = 20  # per API operation


# ==================================================================================================
# schemathesis against the OpenAPI document
# ==================================================================================================


if schemathesis is not None:

    def _api_app():
        from cloudkader.web import create_app

        # a short query time limit: generated queries may be expensive; 503 is documented
        return create_app("memory", {"CLOUDKADER_QUERY_TIMEOUT": 2})

    @schemathesis.serializer("application/sparql-query", "application/n-triples")
    def _text_serializer(_ctx, value):
        return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")

    # (loaded when the module is collected: cheap, the store is opened on the first request;
    # schemathesis.pytest.from_fixture does not work with pytest 9)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", _api_app())

    CHECKS = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
        schemathesis.checks.response_headers_conformance,
    ]

    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def test_api_conforms_to_openapi(case):
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        body = response.text if hasattr(response, "text") else response.get_data(as_text=True)
        for fragment in ("Traceback", "/work/", 'File "'):
            assert fragment not in body

else:

    def test_api_conforms_to_openapi():
        if os.environ.get("CI") == "true":
            pytest.fail("schemathesis is not installed (it is in the test extras)")
        pytest.skip("schemathesis is not installed")


# ==================================================================================================
# The service-description reader
# ==================================================================================================

TURTLE_TOKENS = [
    "@prefix", "@base", "PREFIX", "BASE", "ckd:", "org:", "ex:", "rdfs:", "a", ";", ",", ".", "[", "]", "(", ")",
    "ckd:CloudService", "ckd:usedBy", "org:jenv", "org:xyz", "ckd:processes", "ckd:PersonalData", "ckd:Nonsense",
    "ckd:deploymentModel", "ckd:PublicCloud", "ex:s", "ex:t", "_:b", "<https://example.org/x>", "<>", "<#x>",
    "<http://127.0.0.1:9/>", "<file:///etc/passwd>", '"x"', '"""x\ny"""', "'y'", '"a"@nl', '"1"^^xsd:integer',
    "1", "1.5", "true", "#", "\n", "\\u0041", "\\", '"', "'''", "@nl", "^^", "{", "}", "owl:imports",
]
PREFIXES = ("@prefix ckd: <https://w3id.org/cloudkader/def#> .\n@prefix org: <https://w3id.org/cloudkader/id/org/> .\n"
            "@prefix ex: <https://example.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")

turtle_soup = st.lists(st.sampled_from(TURTLE_TOKENS), max_size=40).map(lambda ts: PREFIXES + " ".join(ts))
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_keys = st.sampled_from(["@id", "@type", "@context", "@graph", "@value", "@language", "@list", "@set",
                             "@reverse", "@vocab", "@base", "@import", "@included", "@nest", "@json",
                             "https://w3id.org/cloudkader/def#usedBy", "ckd:usedBy", "ckd", "p"]) | st.text(max_size=8)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(json_keys, children, max_size=4), max_leaves=25)
jsonld_like = st.fixed_dictionaries(
    {"@context": st.one_of(st.just({"ckd": "https://w3id.org/cloudkader/def#",
                                    "org": "https://w3id.org/cloudkader/id/org/"}), json_values),
     "@id": st.one_of(st.just("https://example.org/s"), st.text(max_size=10)),
     "@type": st.one_of(st.just("ckd:CloudService"), json_values)},
    optional={"ckd:usedBy": json_values, "@graph": json_values})

FORMATS = ["turtle", "json-ld", "nt"]


@pytest.fixture(scope="module")
def vocab():
    from cloudkader.core import get_checker

    return get_checker().k.vocabulary


def _read(data, fmt, vocab):
    from cloudkader.checks.description import Description, DescriptionError, read

    try:
        d = read(data, fmt, vocab, "fuzz")
    except DescriptionError as exc:
        assert str(exc).startswith("fuzz: ")
        return None
    assert isinstance(d, Description) and d.services
    return d


FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(data=st.binary(max_size=300), fmt=st.sampled_from(FORMATS))
def test_reader_on_bytes(vocab, data, fmt):
    _read(data, fmt, vocab)


@FUZZ
@given(text=st.text(max_size=300), fmt=st.sampled_from(FORMATS))
def test_reader_on_text(vocab, text, fmt):
    _read(text, fmt, vocab)


@FUZZ
@given(text=turtle_soup, fmt=st.sampled_from(["turtle", "nt"]))
def test_reader_on_turtle_soup(vocab, text, fmt):
    _read(text, fmt, vocab)


@FUZZ
@given(doc=json_values | jsonld_like)
def test_reader_on_json_structures(vocab, doc):
    _read(json.dumps(doc), "json-ld", vocab)


@FUZZ
@given(doc=jsonld_like)
def test_parse_then_check_separately(vocab, doc):
    from rdflib import Graph

    from cloudkader.checks.description import DescriptionError, check, parse

    try:
        g = parse(json.dumps(doc).encode("utf-8"), "json-ld", "fuzz")
    except DescriptionError:
        return
    assert isinstance(g, Graph)
    try:
        services = check(g, vocab, "fuzz")
    except DescriptionError:
        return
    assert services


# ==================================================================================================
# The command line on generated files
# ==================================================================================================

files = st.one_of(
    st.tuples(st.just(".ttl"), turtle_soup.map(lambda t: t.encode("utf-8"))),
    st.tuples(st.just(".jsonld"), (json_values | jsonld_like).map(lambda d: json.dumps(d).encode("utf-8"))),
    st.tuples(st.sampled_from([".ttl", ".jsonld", ".nt", ".txt"]), st.binary(max_size=200)),
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(file=files, fmt=st.sampled_from(["json", "text"]))
def test_cli_validate_never_crashes(file, fmt):
    from cloudkader.cli import main

    suffix, content = file
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"service{suffix}"
        path.write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path), "--format", fmt])
    assert code in (0, 1, 2), (code, err.getvalue())
    assert "Traceback" not in err.getvalue() + out.getvalue()
    if code == 2:
        assert err.getvalue().startswith("cloudkader validate: error: "), err.getvalue()
        assert out.getvalue() == ""
    elif fmt == "json":
        assert json.loads(out.getvalue())["conforms"] is (code == 0)
