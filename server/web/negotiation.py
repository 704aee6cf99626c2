"""HTTP content negotiation (RFC 9110 §12.5.1): pick the media type to answer with from the
client's ``Accept`` header and the types a route can produce.

Shared by every blueprint (``sparql``, ``api``, ``linked_data``)::

    from .negotiation import choose, prefers_html

    mt = choose(request.headers.get("Accept"), ["text/turtle", "application/ld+json"])
    if mt is None: ...  # 406 Not Acceptable

Rules:

- each offered type gets the quality of the *most specific* Accept range that matches it
  (``text/turtle`` beats ``text/*`` beats ``*/*``; media type parameters other than ``q`` are
  ignored when matching);
- the offered type with the highest quality > 0 wins; ties go to the server's order (the first
  offered type is the route's default);
- no ``Accept`` header, an empty one, or one that cannot be parsed at all, means ``*/*``.

Parsing and matching are werkzeug's (``parse_list_header``, ``parse_options_header``,
``MIMEAccept.quality``); this module only fixes the rules above on top of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_list_header, parse_options_header


@dataclass(frozen=True)
class MediaRange:
    type: str  # "text", "*"
    subtype: str  # "turtle", "*"
    q: float


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, in the client's order; malformed parts are skipped.
    Werkzeug splits the list and the parameters (quoting included); a ``q`` that is not a
    number counts as 0, a bare ``*`` (sent by some clients) as ``*/*``."""
    ranges: list[MediaRange] = []
    for item in parse_list_header(header or ""):
        mt, params = parse_options_header(item)
        mt = "*/*" if mt == "*" else mt.lower()
        t, _, s = mt.partition("/")
        if not t or not s or "/" in s or (t == "*" and s != "*"):
            continue
        try:
            q = min(max(float(params.get("q", "1")), 0.0), 1.0)
        except ValueError:
            q = 0.0
        ranges.append(MediaRange(t, s, q))
    return ranges


def _accept(ranges: list[MediaRange]) -> MIMEAccept:
    # parameters other than q are left out: they do not take part in matching (module docstring)
    return MIMEAccept([(f"{r.type}/{r.subtype}", r.q) for r in ranges])


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The quality the client gives ``media_type``: that of the most specific matching range
    (werkzeug's ``MIMEAccept.quality``), 0 when none matches, 1 without ranges."""
    if not ranges:
        return 1.0
    return float(_accept(ranges).quality(media_type.lower()))


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them.

    ``offered`` is in the server's order of preference; its first entry is the default."""
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    client = _accept(ranges)
    best, best_q = None, 0.0
    for mt in offered:
        q = client.quality(mt.lower())
        if q > best_q:
            best, best_q = mt, q
    return best


def prefers_html(accept: str | None, alternatives: list[str]) -> bool:
    """True when the client (a browser) prefers ``text/html`` to every one of ``alternatives``.

    A client without an Accept header, or with only ``*/*``, gets the alternatives (the data),
    not HTML: ``text/html`` is offered last."""
    return choose(accept, list(alternatives) + ["text/html"]) == "text/html"


def media_type_of(content_type: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into its lower-case media type and its parameters (names
    lower-case), with werkzeug's ``parse_options_header``."""
    if not content_type:
        return "", {}
    mt, params = parse_options_header(content_type)
    return mt.lower(), {k.lower(): v for k, v in params.items()}
