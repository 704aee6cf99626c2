"""Scope follows what the user states about their organisation (issue 13): bindings, advice and
exclusions follow ckd:partOf chains of any depth and the class hierarchy, for corpus and
user-described organisations alike. Cases written from the scope rules, not from the seeds'
examples; each asserts the exact frameworks and kinds of scope."""

from __future__ import annotations

import pytest

ID = "https://w3id.org/cloudkader/id/"
AVG, RIJK, IRC, JENV, TK, GEM = (ID + k for k in ("avg", "rijk", "irc", "jenv", "tk", "gemeenten"))
RIJKSDIENST = {AVG: "binding", RIJK: "binding", IRC: "binding"}

CASES = {
    # a unit of Defensie, described by the user: outside rijk and irc like Defensie itself
    "dmo": ("ex:dmo a ckd:Agency ; ckd:partOf org:def .", {AVG: "binding"}),
    # two levels down, the chain still reaches Defensie
    "dmo-afdeling": ("ex:dmo a ckd:Agency ; ckd:partOf org:def . ex:dmo-afdeling a ckd:Organisation ; ckd:partOf ex:dmo .",
                     {AVG: "binding"}),
    # typed with the ontology class: "Het Ministerie van Defensie en zijn onderdelen"
    "eigen-defensie": ("ex:eigen-defensie a ckd:Defensie .", {AVG: "binding"}),
    "nieuw-ministerie": ("ex:nieuw-ministerie a ckd:Ministry .", RIJKSDIENST),
    "agentschap-zonder-ministerie": ("ex:agentschap-zonder-ministerie a ckd:Agency .", RIJKSDIENST),
    # a ZBO under a minister is not the Rijksdienst: the Rijk policy is advice
    "zbo": ("ex:zbo a ckd:ZBO ; ckd:partOf org:vws .", {AVG: "binding", RIJK: "advisory"}),
    "zbo-afdeling": ("ex:zbo a ckd:ZBO ; ckd:partOf org:vws . ex:zbo-afdeling a ckd:Organisation ; ckd:partOf ex:zbo .",
                     {AVG: "binding", RIJK: "advisory"}),
    # an agency of AenM (the IND): the JenV line binds it through the ministry
    "ind": ("ex:ind a ckd:Agency ; ckd:partOf org:aenm .", {**RIJKSDIENST, JENV: "binding"}),
    "ind-unit": ("ex:ind a ckd:Agency ; ckd:partOf org:aenm . ex:ind-unit a ckd:Organisation ; ckd:partOf ex:ind .",
                 {**RIJKSDIENST, JENV: "binding"}),
    # a part of a part of a ministry given only as an organisation: Rijksdienst by its chain
    "ienw-team": ("ex:ienw-team a ckd:Organisation ; ckd:partOf org:rws-civ .", RIJKSDIENST),
    # the Tweede Kamer and its staff organisation: tk binding, Rijk policy as advice
    "griffie": ("ex:griffie a ckd:Organisation ; ckd:partOf org:tk .", {AVG: "binding", RIJK: "advisory", TK: "binding"}),
    "gemeente-afdeling": ("ex:utrecht a ckd:Gemeente . ex:gemeente-afdeling a ckd:Organisation ; ckd:partOf ex:utrecht .",
                          {AVG: "binding", GEM: "binding", RIJK: "advisory"}),
}
CORPUS = {
    "org:def": {AVG: "binding"},
    "org:tk": {AVG: "binding", RIJK: "advisory", TK: "binding"},
    "org:ncsc": {**RIJKSDIENST, JENV: "binding"},  # part of JenV: the JenV line binds it
    "org:nbv": RIJKSDIENST,                        # part of the AIVD (BZK)
    "org:cbg": {AVG: "binding", RIJK: "advisory"},  # a ZBO under VWS
    "org:acm": {AVG: "binding", RIJK: "advisory"},
    "org:jio": {**RIJKSDIENST, JENV: "binding"},
}


def _scopes(cli, ttl, body: str) -> dict[str, dict[str, str]]:
    run = cli("applicable", ttl(body), "--format", "json")
    assert run.code == 0, run.err
    return {s["service"]: {f["framework"]: f["scope"] for f in s["frameworks"]} for s in run.json()["services"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_user_described_organisation(cli, ttl, name):
    org_ttl, expected = CASES[name]
    body = org_ttl + f"\nex:svc a ckd:CloudService ; ckd:usedBy ex:{name} ; ckd:deploymentModel ckd:OnPremises .\n"
    assert _scopes(cli, ttl, body) == {"https://example.org/svc": expected}


def test_corpus_organisations(cli, ttl):
    body = "".join(f"ex:s-{o.split(':')[1]} a ckd:CloudService ; ckd:usedBy {o} .\n" for o in CORPUS)
    got = _scopes(cli, ttl, body)
    assert got == {f"https://example.org/s-{o.split(':')[1]}": exp for o, exp in CORPUS.items()}


def test_defensie_unit_gets_no_rijk_violations(cli, ttl):
    # state secrets in a public cloud without any measure: for a ministry nine and more Rijk and
    # irc violations; for a Defensie unit none (the AVG has nothing to say about state secrets)
    body = """ex:dmo a ckd:Agency ; ckd:partOf org:def .
ex:svc a ckd:CloudService ; ckd:usedBy ex:dmo ; ckd:deploymentModel ckd:PublicCloud ; ckd:processes ckd:StateSecret ."""
    run = cli("validate", ttl(body), "--format", "json")
    assert {r["framework"] for s in run.json()["services"] for r in s["results"]} <= {AVG}
    ministry = cli("validate", ttl(body.replace("ex:dmo ;", "org:bzk ;", 1)), "--format", "json")
    assert {r["framework"] for s in ministry.json()["services"] for r in s["results"]} == {RIJK, IRC}


def test_ind_exchange_online_is_checked_against_the_jenv_line(cli, ttl):
    body = """ex:ind a ckd:Agency ; ckd:partOf org:aenm .
ex:svc a ckd:CloudService ; ckd:usedBy ex:ind ; ckd:deploymentModel ckd:OnPremises ; ckd:usesProduct ckd:ExchangeOnline ."""
    run = cli("validate", ttl(body), "--format", "json")
    assert ID + "jenv/beleidslijn-exchange" in {r["provision"] for s in run.json()["services"] for r in s["results"]}
