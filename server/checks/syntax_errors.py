"""A Turtle or N-Triples syntax error as a person reads it: file, line and column, what is wrong
and the text around it — never a Python byte string or a traceback.

rdflib's Turtle parser raises ``BadSyntax`` with the offending offset (``_i``) into the bytes it
read (``_str``); its N-Triples parser and a few other failures say no position. For those, the
same text is parsed by pyoxigraph, whose syntax errors carry line and column; if pyoxigraph
accepts the text (rdflib stricter on some point), rdflib's own words are kept, cleaned."""

from __future__ import annotations

NEAR = 40  # characters of context on each side of the error


def _clean(text: str) -> str:
    return " ".join(text.replace("\\n", " ").split())


def _near(data: bytes, offset: int) -> str:
    before = data[max(0, offset - NEAR):offset].decode("utf-8", "replace")
    after = data[offset:offset + NEAR].decode("utf-8", "replace")
    return _clean(before) + " ⟨here⟩ " + _clean(after)


def _from_badsyntax(exc) -> str | None:
    data, offset, why = getattr(exc, "_str", None), getattr(exc, "_i", None), getattr(exc, "_why", None)
    if not isinstance(data, (bytes, bytearray)) or not isinstance(offset, int) or why is None:
        return None
    data = bytes(data)
    offset = max(0, min(offset, len(data)))
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[data.rfind(b"\n", 0, offset) + 1:offset].decode("utf-8", "replace")) + 1
    return f"line {line}, column {column}: {_clean(str(why))} (near: {_near(data, offset)})"


def _from_oxigraph(text: str, fmt: str, base: str) -> str | None:
    import pyoxigraph

    rdf_format = pyoxigraph.RdfFormat.TURTLE if fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    try:
        for _ in pyoxigraph.parse(text.encode("utf-8"), format=rdf_format, base_iri=base):
            pass
    except SyntaxError as exc:
        msg = str(exc.msg if getattr(exc, "msg", None) else exc)
        # "Parser error at line 3 between columns 19 and 22: A dot is expected … (line 3)"
        words = msg.split(": ", 1)[-1]
        if words.endswith(f"(line {exc.lineno})"):
            words = words[: -len(f"(line {exc.lineno})")]
        return f"line {exc.lineno}, column {exc.offset}: {_clean(words)}"
    except Exception:  # pyoxigraph refuses for a reason of its own: no position to add
        return None
    return None


def syntax_message(exc: BaseException, text: str, fmt: str, base: str) -> str:
    """What is wrong with ``text`` (``fmt``: turtle or nt), starting with its line and column
    when either parser can say where."""
    located = _from_badsyntax(exc) or _from_oxigraph(text, fmt, base)
    if located:
        return located[:500]
    return _clean(str(exc))[:500]
