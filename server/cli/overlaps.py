"""``cloudkader overlaps``: the typed overlaps between provisions of different frameworks, the
hub view of one theme, the framework × framework matrix and the OSCAL mapping export."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from .common import EXIT_OK, CliError

_REL_NL = {
    "equivalent": "is gelijkwaardig aan",
    "subset-of": "is een deelverzameling van",
    "superset-of": "omvat",
    "intersects-with": "overlapt gedeeltelijk met",
    "contrary": "is TEGENSTRIJDIG met",
}
_REL_EN = {
    "equivalent": "is equivalent to",
    "subset-of": "is a subset of",
    "superset-of": "is a superset of",
    "intersects-with": "intersects with",
    "contrary": "is CONTRARY to",
}
_T = {
    "nl": {"theme": "Thema", "per_fw": "Bepalingen per kader", "none": "(geen bepaling over dit thema)",
           "overlaps": "Overlappen", "conflicts": "Tegenstrijdigheden en verouderde bronnen",
           "citations": "Verwijzingsconflicten", "unmatched": "Zonder tegenhanger in een ander kader",
           "stale": "verouderd", "since": "sinds", "no_overlaps": "(geen)", "wrt": "t.o.v.",
           "without_text": "zonder tekst", "via": "via overlap", "rests_on": "rust op", "summary": "Samenvatting",
           "matrix": "Overlappen per kaderpaar (rij ten opzichte van kolom)", "provision": "Bepaling"},
    "en": {"theme": "Theme", "per_fw": "Provisions per framework", "none": "(no provision on this theme)",
           "overlaps": "Overlaps", "conflicts": "Conflicts and stale sources",
           "citations": "Citation conflicts", "unmatched": "No counterpart in another framework",
           "stale": "stale", "since": "since", "no_overlaps": "(none)", "wrt": "w.r.t.",
           "without_text": "without text", "via": "via overlap", "rests_on": "rests on", "summary": "Summary",
           "matrix": "Overlaps per framework pair (row with respect to column)", "provision": "Provision"},
}
_STATUS = {
    "nl": {"invalidated": "ongeldig verklaard", "repealed": "ingetrokken", "superseded": "vervangen"},
    "en": {"invalidated": "invalidated", "repealed": "repealed", "superseded": "superseded"},
}
_ABBR = {"equivalent": "=", "subset-of": "⊂", "superset-of": "⊃", "intersects-with": "∩", "contrary": "≠"}


def _short(iri: str | None) -> str:
    from ..knowledge.overlaps import short

    return short(iri) if iri else "-"


def _wrap(text: str, indent: int, width: int = 100) -> str:
    return textwrap.fill(text or "", width=width, initial_indent=" " * indent, subsequent_indent=" " * indent)


def _pick(d: dict, key: str, lang: str) -> str | None:
    if lang == "en":
        return d.get(f"{key}_en") or d.get(key)
    return d.get(key) or d.get(f"{key}_en")


def _render_hub(h: dict, lang: str, out: list[str]) -> None:
    t = _T[lang]
    out.append(f"{t['theme']}: {_pick(h, 'label', lang)} ({h['slug']}) — {h['theme']}")
    out.append("")
    out.append(t["per_fw"])
    for fw in h["frameworks"]:
        out.append(f"  {fw['key']} — {_pick(fw, 'title', lang)}")
        if not fw["provisions"]:
            out.append(f"      {t['none']}")
        for p in fw["provisions"]:
            flags = []
            if p.get("modality"):
                flags.append(_pick(p, "modality_label", lang) or p["modality"])
            if p.get("without_text"):
                flags.append(t["without_text"])
            if not p.get("on_theme"):
                flags.append(t["via"])
            out.append(f"    {_short(p['provision'])}  {_pick(p, 'label', lang) or ''}" + (f"  [{', '.join(flags)}]" if flags else ""))
    out.append("")


def _render_overlap(o: dict, lang: str, out: list[str]) -> None:
    rel = (_REL_EN if lang == "en" else _REL_NL)[o["relation"]]
    out.append(f"  {_short(o['source'])} {rel} {_short(o['target'])}   [{o['relation']}; {_short(o['theme'])}]")
    out.append(_wrap(_pick(o, "rationale", lang), 6))
    for s in o.get("stale", []):
        who = ", ".join(_short(p) for p in s.get("provisions", [])) or "-"
        status = _STATUS[lang].get(s.get("status") or "", s.get("status") or _T[lang]["stale"])
        doc = _pick(s, "label", lang) or _short(s["document"])
        out.append(f"      ! {_T[lang]['stale']}: {who} {_T[lang]['rests_on']} {doc}, {status} {_T[lang]['since']} {s.get('since')}"
                   + (f" ({_short(s['by'])})" if s.get("by") else ""))
    out.append("")


def render_text(result: dict, lang: str = "nl") -> str:
    t = _T[lang]
    out: list[str] = []
    if "hub" in result:
        _render_hub(result["hub"], lang, out)
    normal = [o for o in result["overlaps"] if o["relation"] != "contrary"]
    contrary = [o for o in result["overlaps"] if o["relation"] == "contrary"]
    out.append(f"{t['overlaps']} ({len(normal)})")
    if not normal:
        out.append(f"  {t['no_overlaps']}")
    for o in normal:
        _render_overlap(o, lang, out)
    out.append(f"{t['conflicts']} ({len(contrary)})")
    if not contrary:
        out.append(f"  {t['no_overlaps']}")
        out.append("")
    for o in contrary:
        _render_overlap(o, lang, out)
    conflicts = result.get("conflicts", [])
    out.append(f"{t['citations']} ({len(conflicts)})")
    if not conflicts:
        out.append(f"  {t['no_overlaps']}")
        out.append("")
    for c in conflicts:
        out.append(f"  {_short(c['conflict'])}: {_pick(c, 'label', lang)}")
        for cit in c.get("citations", []):
            out.append(f"      {cit.get('citing_source_label') or _short(cit.get('citing_source'))}, {cit.get('locator') or ''}: "
                       + ", ".join(_short(p) for p in cit.get("cited_provisions", [])))
        out.append(_wrap(_pick(c, "rationale", lang), 6))
        out.append("")
    unmatched = result["unmatched"]
    out.append(f"{t['unmatched']} ({len(unmatched)})")
    if not unmatched:
        out.append(f"  {t['no_overlaps']}")
    for u in unmatched:
        wrt = ", ".join(w.rsplit("/", 1)[-1] for w in u.get("with_respect_to", []))
        out.append(f"  {_short(u['provision'])}  {_pick(u, 'label', lang) or ''}" + (f"  [{t['wrt']} {wrt}]" if wrt else ""))
        out.append(_wrap(_pick(u, "rationale", lang), 6))
        out.append("")
    counts: dict[str, int] = {}
    for o in result["overlaps"]:
        counts[o["relation"]] = counts.get(o["relation"], 0) + 1
    out.append(f"{t['summary']}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
               + f"; {t['unmatched'].lower()}: {len(unmatched)}; {t['citations'].lower()}: {len(conflicts)}")
    return "\n".join(out).rstrip() + "\n"


def render_matrix(m: dict, lang: str = "nl") -> str:
    keys = m["frameworks"]
    cells = {(c["source"], c["target"]): c for c in m["cells"]}

    def cell(a, b):
        if a == b:
            return "—"
        c = cells.get((a, b))
        if not c or not c["total"]:
            return "0"
        parts = [f"{_ABBR[r]}{n}" for r, n in c["counts"].items() if n]
        return f"{c['total']} ({' '.join(parts)})"

    width = max([len(k) for k in keys] + [len(cell(a, b)) for a in keys for b in keys]) + 2
    lines = [_T[lang]["matrix"], "", "".ljust(11) + "".join(k.ljust(width) for k in keys)]
    for a in keys:
        lines.append(a.ljust(11) + "".join(cell(a, b).ljust(width) for b in keys))
    lines.append("")
    lines.append("= equivalent  ⊂ subset-of  ⊃ superset-of  ∩ intersects-with  ≠ contrary")
    lines.append(("no counterpart: " if lang == "en" else "zonder tegenhanger: ")
                 + ", ".join(f"{k} {n}" for k, n in m["unmatched"].items()))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def cmd_overlaps(args) -> int:
    from ..knowledge import oscal
    from ..knowledge import overlaps as ov
    from ..knowledge.app_state import get_store
    from ..stores.results import QueryError

    store = get_store(args.store)
    fmt = args.format
    try:
        if fmt == "oscal":
            docs = oscal.mapping_collections(store, theme=args.theme, provision=args.provision)
            if args.oscal_dir:
                folder = Path(args.oscal_dir)
                folder.mkdir(parents=True, exist_ok=True)
                for d in docs:
                    (folder / oscal.file_name(d)).write_text(json.dumps(d, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                    print(folder / oscal.file_name(d))
            else:
                print(json.dumps(docs, ensure_ascii=False, indent=2))
            return EXIT_OK
        if fmt == "matrix" or args.matrix:
            if args.provision:
                raise CliError("--matrix counts all overlaps; it cannot be combined with --provision")
            m = ov.matrix(store, theme=args.theme)
            if fmt == "json":
                print(json.dumps(m, ensure_ascii=False, indent=2))
            else:
                sys.stdout.write(render_matrix(m, args.lang))
            return EXIT_OK
        result = ov.overlaps(store, theme=args.theme, provision=args.provision)
        if args.at:
            from .. import core
            from ..knowledge.overlap_time import at_date

            result = at_date(result, core.get_knowledge(), core.parse_day(args.at))
    except ValueError as exc:  # a bad --at
        raise CliError(str(exc)) from None
    except (ov.UnknownTheme, ov.UnknownProvision) as exc:
        raise CliError(str(exc)) from None
    except QueryError as exc:
        raise CliError(str(exc)) from None
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(result, args.lang))
    return EXIT_OK


def register(sub) -> None:
    o = sub.add_parser("overlaps", help="typed overlaps and conflicts between provisions of different frameworks",
                       description="The typed overlaps (equivalent, subset-of, superset-of, intersects-with, "
                                   "contrary) between provisions of different frameworks, with the provisions "
                                   "that have no counterpart. With --theme: all frameworks side by side on that theme.")
    o.add_argument("--theme", metavar="SLUG", help="only this theme (and narrower ones), e.g. exit-strategy")
    o.add_argument("--provision", metavar="IRI", help="only overlaps of this provision (IRI or prefixed name, e.g. tk:element-18)")
    o.add_argument("--format", default="text", choices=["text", "json", "matrix", "oscal"],
                   help="text (default), json (DESIGN.md §4), matrix (framework × framework counts), oscal (OSCAL 1.2 mapping collections)")
    o.add_argument("--matrix", action="store_true", help="the framework × framework matrix (as text, or JSON with --format json)")
    o.add_argument("--lang", default="nl", choices=["nl", "en"], help="language of labels and rationales in text output")
    o.add_argument("--oscal-dir", metavar="DIR", help="with --format oscal: write one file per framework pair into DIR")
    o.add_argument("--store", default="memory", help="memory (default), oxigraph[:PATH] or sparql:URL")
    o.add_argument("--at", metavar="DATE", help="the overlaps as they stood on this day (YYYY-MM-DD): only between "
                                                 "frameworks in force then (docs/time.md)")
    o.set_defaults(func=cmd_overlaps)
