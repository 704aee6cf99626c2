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
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str  # "text", "*"
    subtype: str  # "turtle", "*"
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, in the client's order; malformed parts are skipped."""
    ranges: list[MediaRange] = []
    if not header:
        return ranges
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        mt = pieces[0].lower()
        if "/" not in mt:
            if mt == "*":  # some clients send a bare "*"
                mt = "*/*"
            else:
                continue
        t, _, s = mt.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
                break  # parameters after q are accept-extensions
        ranges.append(MediaRange(t, s, q))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The quality the client gives ``media_type`` (0 when no range matches)."""
    if not ranges:
        return 1.0
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type.lower()) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best is not None else 0.0


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them.

    ``offered`` is in the server's order of preference; its first entry is the default."""
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best, best_q = None, 0.0
    for mt in offered:
        q = quality(ranges, mt)
        if q > best_q:
            best, best_q = mt, q
    return best


def prefers_html(accept: str | None, alternatives: list[str]) -> bool:
    """True when the client (a browser) prefers ``text/html`` to every one of ``alternatives``.

    A client without an Accept header, or with only ``*/*``, gets the alternatives (the data),
    not HTML: ``text/html`` is offered last."""
    return choose(accept, list(alternatives) + ["text/html"]) == "text/html"


def media_type_of(content_type: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into its lower-case media type and its parameters."""
    if not content_type:
        return "", {}
    pieces = [p.strip() for p in content_type.split(";")]
    params = {}
    for p in pieces[1:]:
        name, sep, value = p.partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"')
    return pieces[0].lower(), params
