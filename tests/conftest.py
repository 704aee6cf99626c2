"""Shared fixtures: the real compiled corpus, the real checker and the real command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloudkader.terms import paths

ROOT = paths.ROOT
EXAMPLES = paths.EXAMPLES_DIR


def pytest_configure(config):
    # Seeds must be there under CI: a test that cannot see its sources must fail, not skip.
    if os.environ.get("CI") == "true" and not paths.seeds_dir().is_dir():
        raise pytest.UsageError(f"CI=true but the seed texts are missing at {paths.seeds_dir()}")


@pytest.fixture(scope="session")
def store():
    from cloudkader.knowledge.app_state import get_store

    return get_store("memory")


@pytest.fixture(scope="session")
def checker():
    from cloudkader.core import get_checker

    return get_checker()


@pytest.fixture(scope="module")
def app():
    """The real Flask application on the embedded default store."""
    from cloudkader.web import create_app

    return create_app("memory")


@pytest.fixture
def client(app):
    return app.test_client()


class CliRun:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def api_json(self):
        """The JSON as the HTTP API gives it: without each service's ``sources`` (the input files,
        which only the command line has)."""
        doc = self.json()
        for s in doc.get("services", ()):
            s.pop("sources", None)
        return doc


@pytest.fixture
def cli(capsys):
    """Run ``cloudkader ARGS`` in-process; returns exit code, stdout and stderr."""
    from cloudkader.cli import main

    def run(*args: str) -> CliRun:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def ttl(tmp_path):
    """Write a Turtle service description to a temporary file and return its path."""
    prefixes = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix system: <https://w3id.org/cloudkader/id/system/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> .
"""
    counter = {"n": 0}

    def write(body: str, name: str | None = None) -> Path:
        counter["n"] += 1
        p = tmp_path / (name or f"service-{counter['n']}.ttl")
        p.write_text(prefixes + body, encoding="utf-8")
        return p

    return write
