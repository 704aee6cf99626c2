"""``cloudkader serve``: the HTTP service (``cloudkader.web.create_app``) under waitress, a
production WSGI server — never Flask's development server.

``--load-graph IRI=FILE`` (repeatable) loads an extra RDF file (N-Triples, Turtle, RDF/XML or
JSON-LD, by extension) into the store as the named graph IRI before serving; the W3C SPARQL
Protocol tests use it for their data graphs. The service stays read-only afterwards.

``--port 0`` binds a free port; the line printed when the server is ready names the real URL::

    cloudkader serving on http://127.0.0.1:8080/ (store oxigraph, 8 threads, 2 query workers, query timeout 10 s)

``--store`` is where ``/sparql`` (and the pages that browse the corpus) read the corpus:
``oxigraph`` (embedded pyoxigraph in memory, the default), ``oxigraph:PATH`` (on disk),
``memory`` (rdflib, slower) or ``sparql:URL`` (an organisation's own triple store, which gets the
compiled corpus through the Graph Store Protocol). The checks (``/validate``, ``/applicable``, the
form) do not query the store: they use the compiled corpus (``build/``), the same whatever
``--store`` says, so a slow or unreachable store never changes a check's result
(docs/architecture.md, "Stores").

Limits (docs/security.md), each an option, else its environment variable, else the default:
``--query-timeout`` (``CLOUDKADER_QUERY_TIMEOUT``, 10 s), ``--max-rows`` (``CLOUDKADER_MAX_ROWS``,
10 000), ``--max-body`` (``CLOUDKADER_MAX_BODY``, 5 MB), ``--max-services``
(``CLOUDKADER_MAX_SERVICES``, 1000), ``--query-workers`` (``CLOUDKADER_QUERY_WORKERS``),
``--query-memory`` (``CLOUDKADER_QUERY_MEMORY_MB``, 1024), ``--max-answer`` (``CLOUDKADER_MAX_ANSWER``,
32 MB), ``--max-connections`` (``CLOUDKADER_MAX_CONNECTIONS``, 1000), ``--channel-timeout``
(``CLOUDKADER_CHANNEL_TIMEOUT``, 30 s). ``--base-url`` (``CLOUDKADER_BASE_URL``) is the public base
URL the service names itself with (default: the address it listens on; never the ``Host`` header).

Before it serves, the store is made read-only (``freeze``) and the query worker processes are
started (``cloudkader.stores.query_executor``) — before waitress starts its threads, so the one ``fork``
of the server process happens while it has a single thread.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_OK, CliError

THREADS = 8
GRAPH_FORMATS = {".nt": "nt", ".ttl": "turtle", ".turtle": "turtle", ".rdf": "xml", ".owl": "xml",
                 ".xml": "xml", ".jsonld": "json-ld", ".json": "json-ld", ".n3": "n3"}


def parse_load_graph(spec: str) -> tuple[str, Path]:
    """``IRI=FILE`` → (IRI, path); raises CliError. The IRI is split at the *last* ``=``
    followed by an existing file, so IRIs with ``=`` in their query part still work."""
    if "=" not in spec:
        raise CliError(f"--load-graph {spec!r}: expected IRI=FILE")
    candidates = [i for i, c in enumerate(spec) if c == "="]
    for i in reversed(candidates):
        iri, path = spec[:i], Path(spec[i + 1:])
        if path.is_file():
            break
    else:
        iri, path = spec.split("=", 1)[0], Path(spec.split("=", 1)[1])
        raise CliError(f"--load-graph: {path}: no such file")
    scheme, sep, rest = iri.partition(":")
    if not (sep and scheme and scheme[0].isalpha() and rest) or any(c in iri for c in ' <>"{}|\\^`'):
        raise CliError(f"--load-graph: {iri!r} is not an absolute IRI")
    if path.suffix.lower() not in GRAPH_FORMATS:
        raise CliError(f"--load-graph: {path}: unknown RDF format (use one of {', '.join(sorted(GRAPH_FORMATS))})")
    return iri, path


def load_graphs(store, specs: list[str]) -> None:
    from rdflib import Graph

    for spec in specs:
        iri, path = parse_load_graph(spec)
        g = Graph()
        try:
            g.parse(path, format=GRAPH_FORMATS[path.suffix.lower()])
        except Exception as exc:  # rdflib raises many kinds
            raise CliError(f"--load-graph: {path}: cannot parse: {' '.join(str(exc).split())[:300]}") from None
        store.add_graph(iri, g)
        print(f"loaded {len(g)} triples from {path} into <{iri}>", file=sys.stderr)


def limits_config(args) -> dict:
    """App config for the limits given as options (the others come from the environment)."""
    from ..limits import LIMITS

    out = {}
    for lim in LIMITS:
        value = getattr(args, lim.option.lstrip("-").replace("-", "_"), None)
        if value is not None:
            out[lim.key] = value
    return out


def check_base_url(url: str) -> str:
    """``--base-url`` / ``CLOUDKADER_BASE_URL``: an absolute http(s) URL without query or fragment."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CliError(f"--base-url {url!r}: expected an absolute http(s) URL such as https://cloudkader.example.org")
    return url.rstrip("/")


def connection_settings(config) -> dict:
    """waitress settings against slow clients (slow-loris): reading a request costs no thread in
    waitress (its I/O loop buffers it), only a connection slot — so there are many slots
    (``CLOUDKADER_MAX_CONNECTIONS``, waitress's default is 100), silent connections are closed after
    ``CLOUDKADER_CHANNEL_TIMEOUT`` seconds and checked for that every few seconds, and the I/O loop
    uses ``poll`` (``select`` stops at file descriptor 1024). The open-file limit is raised to
    fit (up to the hard limit)."""
    connections = int(config.get("CLOUDKADER_MAX_CONNECTIONS") or 1000)
    timeout = float(config.get("CLOUDKADER_CHANNEL_TIMEOUT") or 30)
    _raise_open_files(connections + 256)
    return {"connection_limit": connections, "channel_timeout": timeout,
            "cleanup_interval": max(1, min(10, int(timeout // 3) or 1)), "asyncore_use_poll": True}


def _raise_open_files(wanted: int) -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


def cmd_serve(args) -> int:
    import waitress

    from ..stores import query_executor
    from ..knowledge.app_state import get_store
    from ..web import create_app
    from ..web.security import query_limits

    specs = list(args.load_graph)
    for spec in specs:  # check every argument before the (slower) corpus load
        parse_load_graph(spec)
    config = limits_config(args)
    if args.base_url:
        config["CLOUDKADER_BASE_URL"] = check_base_url(args.base_url)
    try:
        app = create_app(args.store, config)
    except ValueError as exc:  # a bad CLOUDKADER_… environment variable
        raise CliError(str(exc)) from None
    if app.config.get("CLOUDKADER_BASE_URL"):
        check_base_url(app.config["CLOUDKADER_BASE_URL"])
    try:
        store = get_store(args.store)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if hasattr(store, "timeout") and limits_timeout(app):  # a remote store: the same time limit per query
        store.timeout = limits_timeout(app)
    load_graphs(store, specs)
    # read-only from here on; the query workers fork now, while this process has one thread
    limits = query_limits(app)
    executor = query_executor.executor_for(store, limits["workers"], limits["memory_mb"], limits["warmup"])
    if executor is None and hasattr(store, "freeze"):
        store.freeze()
    # waitress buffers a body before the app sees it: cap that too (the app answers 413 up to
    # twice its own limit, waitress beyond), so a client cannot park gigabytes in temp files
    body_limit = int(app.config.get("MAX_CONTENT_LENGTH") or 0)
    extra = {"max_request_body_size": max(2 * body_limit, body_limit + 1024 * 1024)} if body_limit else {}
    server = waitress.create_server(app, host=args.host, port=args.port, threads=args.threads,
                                    ident="cloudkader", expose_tracebacks=False, **connection_settings(app.config),
                                    **extra)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    port = getattr(server, "effective_port", args.port)
    if not app.config.get("CLOUDKADER_BASE_URL"):  # the address served, never a client's Host header
        app.config["CLOUDKADER_BASE_URL"] = f"http://{host}:{port}"
    workers = f"{executor.size} query workers" if executor else "queries in server threads"
    timeout = f"query timeout {limits['timeout']:g} s" if limits["timeout"] and executor else "no query timeout"
    network = f", worker network: {executor.network}" if executor else ""
    print(f"cloudkader serving on http://{host}:{port}/ (store {shown_spec(args.store)}, {args.threads} threads, {workers}, "
          f"{timeout}{network})", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        query_executor.shutdown()
    return EXIT_OK


def limits_timeout(app) -> float | None:
    return float(app.config.get("CLOUDKADER_QUERY_TIMEOUT") or 0) or None


def shown_spec(spec: str) -> str:
    """The store spec without a password (``sparql:http://user:secret@host/…``)."""
    import re

    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", spec)


def register(sub) -> None:
    s = sub.add_parser("serve", help="run the HTTP service (SPARQL endpoint, API, web interface)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free port)")
    s.add_argument("--store", default="oxigraph",
                   help="where /sparql and the corpus pages read the corpus: oxigraph (embedded, default), "
                        "oxigraph:PATH (on disk), memory (rdflib) or sparql:URL[,GRAPH_STORE_URL] (your own triple "
                        "store, loaded with the compiled corpus). The checks always use the compiled corpus, "
                        "whatever the store")
    s.add_argument("--load-graph", action="append", default=[], metavar="IRI=FILE",
                   help="load FILE as the named graph IRI before serving (repeatable)")
    s.add_argument("--threads", type=int, default=THREADS, help=f"worker threads (default {THREADS})")
    s.add_argument("--base-url", default=None, metavar="URL",
                   help="the service's public base URL, e.g. https://cloudkader.example.org (the SPARQL service "
                        "description names its endpoint with it; default $CLOUDKADER_BASE_URL, else the address "
                        "served)")
    from ..limits import LIMITS

    for lim in LIMITS:
        s.add_argument(lim.option, type=_option_type(lim), default=None, metavar="N",
                       help=f"{lim.help} (default {_show(lim.default())}, or ${lim.env})")
    s.set_defaults(func=cmd_serve)


def _show(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _option_type(lim):
    import argparse

    def parse(text: str):
        try:
            return lim.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None

    parse.__name__ = lim.option.lstrip("-")
    return parse
