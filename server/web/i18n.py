"""The two languages of the HTML (nl, en): the language of a request, the UI texts, the
language cookie and the link to the other language."""

from __future__ import annotations

from flask import Response, g, request

LANGS = ("nl", "en")


UI = {
    "nl": {
        "site_tagline": "Kennisgraaf van het Nederlandse overheidscloudbeleid",
        "home": "Start", "frameworks": "Kaders", "search": "Zoeken", "check": "Dienst toetsen",
        "overlaps": "Overlap", "register": "Register", "ontology": "Ontologie", "sparql": "SPARQL",
        "provision": "Bepaling", "provisions": "Bepalingen", "framework": "Kader",
        "number": "Nummer", "section": "Kopje", "source": "Bron", "source_file": "Bronbestand",
        "kind": "Soort", "modality": "Modaliteit", "themes": "Thema's", "theme": "Thema",
        "measures": "Maatregelen", "exit_parts": "Onderdelen exit-strategie", "roles": "Rollen",
        "organisations": "Organisaties", "products": "Producten", "data_categories": "Gegevenscategorieën",
        "systems": "Systemen", "cites": "Verwijst naar", "quotes": "Citeert", "part_of": "Onderdeel van",
        "parts": "Onderdelen", "note": "Toelichting", "text": "Tekst (letterlijk)",
        "without_text": "De bron noemt deze bepaling zonder tekst.",
        "overlaps_conflicts": "Overlap en conflicten met andere kaders",
        "no_overlaps": "Geen overlap met andere kaders vastgelegd.",
        "no_counterpart": "Geen tegenhanger",
        "relation": "Relatie", "rationale": "Onderbouwing", "other_provision": "Andere bepaling",
        "shapes": "Controles (SHACL-shapes)", "no_shapes": "Geen controle die deze bepaling toetst.",
        "conditions": "Geldt wanneer", "severity": "Ernst", "message": "Melding",
        "register_services": "Diensten in het register waarop deze bepaling van toepassing is",
        "no_register_services": "Geen dienst in het register waarop deze bepaling van toepassing is.",
        "all_data": "Alle gegevens", "property": "Eigenschap", "value": "Waarde",
        "referenced_by": "Waarnaar verwezen door", "formats": "Ook als",
        "not_found": "Niet gevonden", "unknown_iri": "Deze IRI is niet bekend in cloudkader",
        "permits": "staat toe", "prohibits": "verbiedt", "concerns": "betreft",
        "status": "Status", "publisher": "Uitgever", "issued": "Datum", "scope": "Reikwijdte",
        "binding": "bindend", "advisory": "advies", "excluded": "uitgesloten",
        "provisions_by_section": "Bepalingen per kopje", "open_browser": "Bekijk de bepalingen",
        "lang_switch": "English", "lang_other": "en",
        "services": "Diensten", "service": "Dienst", "organisation": "Organisatie",
        "applicable": "Bepalingen die gelden", "gaps": "Tekortkomingen (validatie)",
        "conforms": "voldoet", "does_not_conform": "voldoet niet", "undetermined": "onbeslist (feiten ontbreken)", "violations": "overtredingen",
        "warnings": "waarschuwingen", "reason": "Reden", "frameworks_in_scope": "Kaders binnen reikwijdte",
        "none": "geen", "label": "Naam", "definition": "Definitie",
        "provisions_with_theme": "Bepalingen met dit thema", "overlap_theme_view": "Overlap binnen dit thema",
        "used_by": "Gebruikt door", "provider": "Leverancier", "platform": "Platform",
        "outcome_violation": "Overtreding", "outcome_warning": "Waarschuwing", "outcome_undetermined": "Onbeslist",
        "measure_to_take": "Te nemen maatregel", "missing_facts": "Ontbrekende feiten", "verbatim": "Letterlijke tekst",
        "overlaps_other": "Overlap met andere kaders", "details": "Details", "lapsed_law": "Rust op vervallen recht",
        "lapsed_since": "vervallen sinds", "successor": "opgevolgd door", "permalink": "Vaste link naar deze uitkomst",
        "export": "Exporteren", "print": "Afdrukken", "binding_first": "Bindende kaders eerst, daarna adviezen.",
    },
    "en": {
        "site_tagline": "Knowledge graph of Dutch government cloud policy",
        "home": "Home", "frameworks": "Frameworks", "search": "Search", "check": "Check a service",
        "overlaps": "Overlaps", "register": "Register", "ontology": "Ontology", "sparql": "SPARQL",
        "provision": "Provision", "provisions": "Provisions", "framework": "Framework",
        "number": "Number", "section": "Section heading", "source": "Source", "source_file": "Source file",
        "kind": "Kind", "modality": "Modality", "themes": "Themes", "theme": "Theme",
        "measures": "Measures", "exit_parts": "Exit strategy parts", "roles": "Roles",
        "organisations": "Organisations", "products": "Products", "data_categories": "Data categories",
        "systems": "Systems", "cites": "Cites", "quotes": "Quotes", "part_of": "Part of",
        "parts": "Parts", "note": "Note", "text": "Text (verbatim Dutch)",
        "without_text": "The source names this provision without giving its text.",
        "overlaps_conflicts": "Overlaps and conflicts with other frameworks",
        "no_overlaps": "No overlap with other frameworks recorded.",
        "no_counterpart": "No counterpart",
        "relation": "Relation", "rationale": "Rationale", "other_provision": "Other provision",
        "shapes": "Checks (SHACL shapes)", "no_shapes": "No check tests this provision.",
        "conditions": "Applies when", "severity": "Severity", "message": "Message",
        "register_services": "Services in the register this provision applies to",
        "no_register_services": "No service in the register this provision applies to.",
        "all_data": "All data", "property": "Property", "value": "Value",
        "referenced_by": "Referenced by", "formats": "Also as",
        "not_found": "Not found", "unknown_iri": "This IRI is not known in cloudkader",
        "permits": "permits", "prohibits": "prohibits", "concerns": "concerns",
        "status": "Status", "publisher": "Publisher", "issued": "Date", "scope": "Scope",
        "binding": "binding", "advisory": "advisory", "excluded": "excluded",
        "provisions_by_section": "Provisions by section", "open_browser": "Browse the provisions",
        "lang_switch": "Nederlands", "lang_other": "nl",
        "services": "Services", "service": "Service", "organisation": "Organisation",
        "applicable": "Provisions that apply", "gaps": "Gaps (validation)",
        "conforms": "conforms", "does_not_conform": "does not conform", "undetermined": "undetermined (facts missing)", "violations": "violations",
        "warnings": "warnings", "reason": "Reason", "frameworks_in_scope": "Frameworks in scope",
        "none": "none", "label": "Name", "definition": "Definition",
        "provisions_with_theme": "Provisions with this theme", "overlap_theme_view": "Overlaps within this theme",
        "used_by": "Used by", "provider": "Provider", "platform": "Platform",
        "outcome_violation": "Violation", "outcome_warning": "Warning", "outcome_undetermined": "Undetermined",
        "measure_to_take": "Measure to take", "missing_facts": "Missing facts", "verbatim": "Verbatim text",
        "overlaps_other": "Overlaps with other frameworks", "details": "Details", "lapsed_law": "Rests on lapsed law",
        "lapsed_since": "lapsed since", "successor": "succeeded by", "permalink": "Permanent link to this result",
        "export": "Export", "print": "Print", "binding_first": "Binding frameworks first, then advice.",
    },
}


def current_lang() -> str:
    if "ck_lang" not in g:
        asked = request.args.get("lang")
        if asked in LANGS:
            g.ck_lang = asked
        else:
            cookie = request.cookies.get("lang")
            g.ck_lang = cookie if cookie in LANGS else "nl"
    return g.ck_lang


def t(key: str) -> str:
    lang = current_lang()
    return UI[lang].get(key) or UI["nl"].get(key) or key


def add_security_headers(resp: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGS and request.cookies.get("lang") != asked:
        resp.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if resp.mimetype == "text/html":
        resp.vary.add("Cookie")
    return resp


def switch_lang_url() -> str:
    other = "en" if current_lang() == "nl" else "nl"
    args = request.args.to_dict(flat=False)
    args["lang"] = [other]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)
