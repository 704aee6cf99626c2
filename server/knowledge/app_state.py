"""The one place that opens the compiled corpus in a store, shared by the CLI and the web
service so that both answer from the same data."""

from __future__ import annotations

from functools import lru_cache

from . import corpus
from ..stores.local import Store, open_store


@lru_cache(maxsize=None)
def get_store(spec: str = "memory") -> Store:
    return open_store(spec, corpus.compiled_corpus_path())
