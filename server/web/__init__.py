"""The HTTP service: a Flask application factory with one blueprint per concern.

- ``sparql``      — the SPARQL 1.1 Protocol endpoint at /sparql (read-only)
- ``api``         — POST /validate, POST /applicable, GET /overlaps, /openapi.json
- ``linked_data`` — dereferenceable IRIs under /id/… and /def
- ``query_editor`` — the configuration of the YASGUI editor on the /sparql page
- ``pages``       — the web interface for people (home, frameworks, search, service form, …);
  ``listings``, ``search_page`` and ``matrix_page`` add their routes to the same blueprint

Every route calls the same core functions as the command line (``cloudkader.core`` and
friends); no logic lives here twice.

App-wide (``security``): security headers on every response, short error answers without
internals, and the limits — query time, result rows, body size, services per request, query
workers — taken from ``config``, else from the ``CLOUDKADER_…`` environment variables, else the
defaults (docs/security.md).
"""

from __future__ import annotations

import os

from flask import Flask

DEFAULT_MAX_BODY = 5 * 1024 * 1024


def create_app(store_spec: str = "memory", config: dict | None = None) -> Flask:
    from . import security

    app = Flask(__name__)
    app.config.update(
        CLOUDKADER_STORE=store_spec,
        CLOUDKADER_BASE_URL=os.environ.get("CLOUDKADER_BASE_URL", ""),
        MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY,
        JSON_AS_ASCII=False,
    )
    app.config.update(security.limits_from_env())
    if config:
        app.config.update(config)
    security.install(app)

    from .api import bp as api_bp
    from .linked_data import bp as linked_data_bp
    from .pages import bp as pages_bp
    from . import check_form  # noqa: F401  (the /check route, on the pages blueprint)
    from . import input_formats  # noqa: F401  (/context.jsonld, /schemas, the form's downloads)
    from .query_editor import bp as query_editor_bp
    from . import listings, matrix_page, search_page  # noqa: F401  (routes on the pages blueprint)
    from . import diff_page  # noqa: F401  (/diff, on the pages blueprint)
    from .sparql import bp as sparql_bp

    for bp in (sparql_bp, api_bp, linked_data_bp, pages_bp, query_editor_bp):
        app.register_blueprint(bp)
    return app
