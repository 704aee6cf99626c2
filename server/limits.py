"""The service's limits: one table, read by ``cloudkader serve`` (an option each), the
environment (``CLOUDKADER_*``) and the Flask app config. Free of Flask, so that every CLI command
can build its argument parser without importing the web stack."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from .stores import query_executor

MB = 1024 * 1024

@dataclass(frozen=True)
class Limit:
    key: str  # app config key
    env: str  # environment variable
    option: str  # option of ``cloudkader serve``
    parse: Callable[[str], float | int]
    default: Callable[[], float | int]
    help: str


def _seconds(text: str) -> float:
    v = float(text)
    if v < 0 or v != v:
        raise ValueError("must be 0 (no limit) or a positive number of seconds")
    return v


def _count(text: str) -> int:
    v = int(text)
    if v < 0:
        raise ValueError("must be 0 (no limit) or a positive whole number")
    return v


def _bytes(text: str) -> int:
    t = text.strip().upper()
    for suffix, factor in (("MB", MB), ("M", MB), ("KB", 1024), ("K", 1024)):
        if t.endswith(suffix):
            return _count(t[: -len(suffix)]) * factor
    return _count(t)


LIMITS = [
    Limit("CLOUDKADER_QUERY_TIMEOUT", "CLOUDKADER_QUERY_TIMEOUT", "--query-timeout", _seconds,
          lambda: query_executor.DEFAULT_TIMEOUT,
          "seconds a SPARQL query may run before it is stopped (503); 0: no limit"),
    Limit("CLOUDKADER_CHECK_TIMEOUT", "CLOUDKADER_CHECK_TIMEOUT", "--check-timeout", _seconds, lambda: 30.0,
          "seconds a /validate or /applicable request may take before it is stopped (503); 0: no limit"),
    Limit("CLOUDKADER_MAX_ROWS", "CLOUDKADER_MAX_ROWS", "--max-rows", _count,
          lambda: query_executor.DEFAULT_MAX_ROWS,
          "rows (SELECT) or triples (CONSTRUCT/DESCRIBE) a query answers; more are cut off and the "
          "answer has X-Cloudkader-Truncated: true; 0: no cap"),
    Limit("CLOUDKADER_MAX_ANSWER_BYTES", "CLOUDKADER_MAX_ANSWER", "--max-answer", _bytes,
          lambda: query_executor.DEFAULT_MAX_BYTES,
          "bytes of text a query answer may hold (K/M suffixes allowed); more rows are cut off as for "
          "--max-rows, a single row beyond it is a 400; 0: no cap"),
    Limit("MAX_CONTENT_LENGTH", "CLOUDKADER_MAX_BODY", "--max-body", _bytes, lambda: 5 * MB,
          "largest request body in bytes (K/M suffixes allowed); larger: 413"),
    Limit("CLOUDKADER_MAX_SERVICES", "CLOUDKADER_MAX_SERVICES", "--max-services", _count, lambda: 1000,
          "services one /validate or /applicable request may describe; more: 413; 0: no limit"),
    Limit("CLOUDKADER_MAX_CONNECTIONS", "CLOUDKADER_MAX_CONNECTIONS", "--max-connections", _count, lambda: 1000,
          "open client connections the server holds at once (slow clients wait in no thread, but each holds "
          "one of these); beyond it new connections wait in the listen backlog"),
    Limit("CLOUDKADER_CHANNEL_TIMEOUT", "CLOUDKADER_CHANNEL_TIMEOUT", "--channel-timeout", _seconds, lambda: 30.0,
          "seconds a client connection may stay silent before the server closes it"),
    Limit("CLOUDKADER_QUERY_WORKERS", "CLOUDKADER_QUERY_WORKERS", "--query-workers", _count,
          query_executor.default_workers,
          "query worker processes (embedded stores); 0: queries run in the server thread, without "
          "a time limit"),
    Limit("CLOUDKADER_QUERY_MEMORY_MB", "CLOUDKADER_QUERY_MEMORY_MB", "--query-memory", _count,
          lambda: query_executor.DEFAULT_MEMORY_MB,
          "megabytes of memory a query worker may add to the store it holds; more: 503; 0: no cap"),
]


def limits_from_env(environ: dict[str, str] | None = None) -> dict[str, float | int]:
    """The limits as app config: each from its environment variable, else its default.
    Raises ValueError naming the variable when a value is not valid."""
    environ = os.environ if environ is None else environ
    out = {}
    for lim in LIMITS:
        raw = environ.get(lim.env)
        if raw is None or raw.strip() == "":
            out[lim.key] = lim.default()
            continue
        try:
            out[lim.key] = lim.parse(raw)
        except ValueError as exc:
            raise ValueError(f"{lim.env}={raw!r}: {exc}") from None
    return out
