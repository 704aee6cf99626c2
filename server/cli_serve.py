"""``cloudkader serve``: the HTTP service (``cloudkader.web.create_app``) under waitress, a
production WSGI server — never Flask's development server.

``--load-graph IRI=FILE`` (repeatable) loads an extra RDF file (N-Triples, Turtle, RDF/XML or
JSON-LD, by extension) into the store as the named graph IRI before serving; the W3C SPARQL
Protocol tests use it for their data graphs. The service stays read-only afterwards.

``--port 0`` binds a free port; the line printed when the server is ready names the real URL::

    cloudkader serving on http://127.0.0.1:8080/ (store memory, 8 threads)
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli import EXIT_OK, CliError, _EXTRA_COMMANDS

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


def cmd_serve(args) -> int:
    import waitress

    from .app_state import get_store
    from .web import create_app

    specs = list(args.load_graph)
    for spec in specs:  # check every argument before the (slower) corpus load
        parse_load_graph(spec)
    try:
        store = get_store(args.store)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    load_graphs(store, specs)
    app = create_app(args.store)
    server = waitress.create_server(app, host=args.host, port=args.port, threads=args.threads,
                                    ident="cloudkader")
    host = args.host if ":" not in args.host else f"[{args.host}]"
    port = getattr(server, "effective_port", args.port)
    print(f"cloudkader serving on http://{host}:{port}/ (store {args.store}, {args.threads} threads)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return EXIT_OK


def register(sub) -> None:
    s = sub.add_parser("serve", help="run the HTTP service (SPARQL endpoint, API, web interface)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free port)")
    s.add_argument("--store", default="memory", help="memory (default), oxigraph[:PATH] or sparql:URL")
    s.add_argument("--load-graph", action="append", default=[], metavar="IRI=FILE",
                   help="load FILE as the named graph IRI before serving (repeatable)")
    s.add_argument("--threads", type=int, default=THREADS, help=f"worker threads (default {THREADS})")
    s.set_defaults(func=cmd_serve)


_EXTRA_COMMANDS.append(register)
