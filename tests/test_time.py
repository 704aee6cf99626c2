"""Answers for a date (issue 17) on the real corpus: ``--at`` on applicable, validate and
overlaps, ``at=`` on the API, and ``cloudkader diff`` — the Rijk policy before and after
29 August 2022, the JenV line before, during and after 2025 (a year: undetermined inside it),
a gemeente transfer to the US in 2019 and 2021 (the Privacy Shield held until 16 July 2020, the
Data Privacy Framework since 10 July 2023)."""

from __future__ import annotations

from datetime import date

import pytest

from cloudkader.knowledge import timeline

ID = "https://w3id.org/cloudkader/id/"
RIJK, JENV, IRC, AVG, GEM, TK = (ID + k for k in ("rijk", "jenv", "irc", "avg", "gemeenten", "tk"))
SHIELD = ID + "doc/eu-us-privacy-shield"
DPF = ID + "doc/eu-us-data-privacy-framework"

MINISTRY = """ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:NonPersonalData ; ckd:dataLocation country:NLD ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:NLD .
"""
JENV_AGENCY = """ex:ind a ckd:Agency ; ckd:partOf org:aenm .
ex:svc a ckd:CloudService ; ckd:usedBy ex:ind ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:NonPersonalData ; ckd:dataLocation country:NLD ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:NLD .
"""


def gemeente_us(certified: str | None) -> str:
    cert = f" ; ckd:certifiedUnder <{certified}>" if certified else ""
    return f"""ex:utrecht a ckd:Gemeente .
ex:svc a ckd:CloudService ; ckd:usedBy ex:utrecht ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:PersonalData ; ckd:dataLocation country:USA ; ckd:provider ex:p ;
    ckd:hasMeasure ex:pa , ex:dpia .
ex:pa a ckd:ProcessorAgreement . ex:dpia a ckd:DPIA .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:USA{cert} .
"""


def scopes(run) -> dict[str, dict]:
    return {f["framework"]: f for s in run.json()["services"] for f in s["frameworks"]}


def blocking(run) -> set[str]:
    return {r["provision"] for s in run.json()["services"] for r in s["results"] if r["blocking"]}


def test_dates_are_intervals():
    assert timeline.span("2025") == timeline.Span(date(2025, 1, 1), date(2025, 12, 31), "2025")
    assert timeline.span("2016-02").last == date(2016, 2, 29)
    assert timeline.span("2022-08-29").exact
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        timeline.parse_day("29-08-2022")


def test_rijk_policy_before_and_after_29_august_2022(cli, ttl):
    f = ttl(MINISTRY)
    before = cli("applicable", f, "--at", "2022-08-28", "--format", "json")
    after = cli("applicable", f, "--at", "2022-08-29", "--format", "json")
    assert RIJK not in scopes(before) and scopes(after)[RIJK]["scope"] == "binding"
    assert AVG in scopes(before)  # the AVG applies since 25 May 2018
    assert before.json()["at"] == "2022-08-28"
    # validate: no Rijk result before, the Rijk policy's checks after
    v1 = cli("validate", f, "--at", "2022-08-28", "--format", "json").json()
    v2 = cli("validate", f, "--at", "2022-09-01", "--format", "json").json()
    assert not any(r["framework"] == RIJK for s in v1["services"] for r in s["results"])
    assert any(r["framework"] == RIJK for s in v2["services"] for r in s["results"])


def test_jenv_line_before_during_and_after_2025(cli, ttl):
    f = ttl(JENV_AGENCY)
    assert JENV not in scopes(cli("applicable", f, "--at", "2024-12-31", "--format", "json"))
    # "2025", but not before 7 April 2025 (the latest date the line cites)
    assert JENV not in scopes(cli("applicable", f, "--at", "2025-04-06", "--format", "json"))
    during = scopes(cli("applicable", f, "--at", "2025-06-01", "--format", "json"))[JENV]
    assert during["in_force"] == "undetermined" and "2025" in during["in_force_reason"]
    assert "2025" in during["in_force_reason_en"]
    after = scopes(cli("applicable", f, "--at", "2026-01-01", "--format", "json"))[JENV]
    assert after["scope"] == "binding" and "in_force" not in after
    # a JenV violation inside the year is undetermined with the reason, never a violation
    v = cli("validate", f, "--at", "2025-06-01", "--format", "json")
    data = v.json()
    assert not any(r["framework"] == JENV and r["blocking"] for s in data["services"] for r in s["results"])
    undecided = [u for s in data["services"] for u in s["undetermined"] if u["framework"] == JENV]
    v_after = cli("validate", f, "--at", "2026-01-01", "--format", "json").json()
    jenv_after = {r["provision"] for s in v_after["services"] for r in s["results"] if r["framework"] == JENV and r["blocking"]}
    assert jenv_after and {u["provision"] for u in undecided} == jenv_after
    assert all("2025" in u["reason"] for u in undecided)


@pytest.mark.parametrize("certified", [SHIELD, DPF])
def test_gemeente_transfer_to_the_us_in_2019_and_2021(cli, ttl, certified):
    f = ttl(gemeente_us(certified))
    in_2019 = blocking(cli("validate", f, "--at", "2019-06-01", "--format", "json"))
    in_2021 = blocking(cli("validate", f, "--at", "2021-06-01", "--format", "json"))
    today = blocking(cli("validate", f, "--format", "json"))
    art44 = AVG + "/artikel-44"
    if certified == SHIELD:  # valid until 16 July 2020, never after
        assert art44 not in in_2019 and art44 in in_2021 and art44 in today
    else:  # the Data Privacy Framework holds since 10 July 2023
        assert art44 in in_2019 and art44 in in_2021 and art44 not in today


def test_gemeente_lapse_marks_follow_the_date(cli, ttl):
    f = ttl(gemeente_us(None))
    shield = GEM + "/aandachtspunt-privacy-shield"

    def lapsed(run):
        s = run.json()["services"][0]
        entries = s["provisions"] + s["undetermined"]
        return {e["provision"]: e.get("lapsed") for e in entries}

    # the gemeenten policy gives no date of adoption: before today its provisions are undetermined
    r2019 = lapsed(cli("applicable", f, "--at", "2019-06-01", "--format", "json"))
    assert r2019[shield] is None  # the Privacy Shield still held in 2019
    r2021 = lapsed(cli("applicable", f, "--at", "2021-06-01", "--format", "json"))
    assert [e["document"] for e in r2021[shield]] == [SHIELD]


def test_validate_results_and_report_carry_the_lapse(cli, ttl):
    """Issue 13: lapse marking in validate — on the JSON results and in the W3C report."""
    body = """ex:utrecht a ckd:Gemeente .
ex:svc a ckd:CloudService ; ckd:usedBy ex:utrecht ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:PersonalData ; ckd:dataLocation country:NLD ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:NLD .
"""
    f = ttl(body)
    data = cli("validate", f, "--format", "json").json()
    lapsed = {r["provision"]: r["lapsed"] for s in data["services"] for r in s["results"] if r.get("lapsed")}
    assert lapsed, "a gemeente result resting on the WBP or BIG carries its lapse"
    assert all(e["since"] and e["status"] for es in lapsed.values() for e in es)
    assert all(p.startswith(GEM) for p in lapsed)
    report = cli("validate", f, "--format", "turtle").out
    assert "ckd:restsOnLapsed" in report
    text = cli("validate", f).out
    assert "rust op vervallen" in text


def test_overlaps_at_a_date(cli):
    today = cli("overlaps", "--format", "json").json()
    early = cli("overlaps", "--format", "json", "--at", "2019-06-01").json()
    keys = lambda d: {(o["source_framework"], o["target_framework"]) for o in d["overlaps"]}  # noqa: E731
    assert any("rijk" in pair for pair in keys(today))
    assert not any("rijk" in pair or "jenv" in pair or "irc" in pair for pair in keys(early))
    assert early["at"] == "2019-06-01"
    assert cli("overlaps", "--at", "2019-02-30").code == 2


def test_diff_corpus_and_services(cli, ttl):
    f = ttl(gemeente_us(SHIELD))
    run = cli("diff", "--from", "2019-06-01", "--to", "2021-06-01", f, "--format", "json")
    assert run.code == 0, run.err
    data = run.json()
    changed = {c["iri"]: c for c in data["corpus"]}
    assert changed[SHIELD]["from"] == "in" and changed[SHIELD]["to"] == "out"
    s = data["services"][0]
    assert AVG + "/artikel-44" in {v["provision"] for v in s["new_violations"]}
    assert s["outcome_to"] == "violates"
    # the Rijk policy enters into force; 2011's leaves
    data = cli("diff", "--from", "2022-08-01", "--to", "2022-09-01", ttl(MINISTRY), "--format", "json").json()
    assert {c["iri"]: (c["from"], c["to"]) for c in data["corpus"]}[RIJK] == ("out", "in")
    assert {"framework": RIJK, "from": "out", "to": "binding"} in data["services"][0]["scope_changes"]
    text = cli("diff", "--from", "2022-08-01", "--to", "2022-09-01", "--lang", "en").out
    assert "Government-wide cloud policy 2022: out → in" in text
    assert cli("diff", "--from", "2022", "--to", "2023-01-01").code == 2


def test_api_at(client):
    body = gemeente_us(SHIELD)
    prefixes = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix ex: <https://example.org/> .
"""
    def post(route, at):
        return client.post(f"{route}?at={at}", data=(prefixes + body).encode(), content_type="text/turtle")
    r19, r21 = post("/validate", "2019-06-01"), post("/validate", "2021-06-01")
    assert r19.status_code == r21.status_code == 200
    b19 = {r["provision"] for s in r19.get_json()["services"] for r in s["results"] if r["blocking"]}
    b21 = {r["provision"] for s in r21.get_json()["services"] for r in s["results"] if r["blocking"]}
    assert AVG + "/artikel-44" in b21 - b19
    a = post("/applicable", "2021-06-01").get_json()
    assert a["at"] == "2021-06-01" and a["services"][0]["undetermined"]
    # issue 13: the lapse marks in the API's JSON (the web result page renders what it carries)
    today = client.post("/validate", data=(prefixes + body).encode(), content_type="text/turtle").get_json()
    assert any(r.get("lapsed") for s in today["services"] for r in s["results"])
    applicable = client.post("/applicable", data=(prefixes + body).encode(), content_type="text/turtle").get_json()
    shield = [p for p in applicable["services"][0]["provisions"] if p["provision"].endswith("aandachtspunt-privacy-shield")]
    assert shield and shield[0]["lapsed"][0]["successor"] == DPF
    assert post("/validate", "yesterday").status_code == 400
    assert client.get("/overlaps?at=2019-06-01").get_json()["at"] == "2019-06-01"
    assert client.get("/overlaps?at=nope").status_code == 400


@pytest.mark.parametrize("day", ["2015-06-01", "2019-06-01", "2022-08-29", "2025-04-06", "2025-06-01", "2026-01-01"])
def test_named_query_in_force_on_date_agrees_with_the_checks(cli, tmp_path, day):
    """queries/in-force-on-date.rq answers what the checks decide (knowledge.timeline.state)."""
    from cloudkader.core import get_knowledge
    from cloudkader.terms import paths

    text = (paths.QUERIES_DIR / "in-force-on-date.rq").read_text(encoding="utf-8")
    assert text.count('VALUES ?day { "2021-06-01" }') == 1
    q = tmp_path / "q.rq"
    q.write_text(text.replace('VALUES ?day { "2021-06-01" }', f'VALUES ?day {{ "{day}" }}'), encoding="utf-8")
    run = cli("query", str(q), "--format", "json")
    assert run.code == 0, run.err
    got = {b["item"]["value"]: b["state"]["value"] for b in run.json()["results"]["bindings"]}
    lives = get_knowledge().timeline.lives
    assert {RIJK, JENV, GEM, SHIELD} <= set(got)
    for iri, st in got.items():
        assert st == timeline.state(lives[iri], date.fromisoformat(day))[0], iri


def test_named_query_lapsed_between(cli):
    run = cli("query", "--name", "lapsed-between", "--format", "json")
    rows = {(b["date"]["value"], b["document"]["value"]) for b in run.json()["results"]["bindings"]}
    assert ("2020-07-16", SHIELD) in rows and ("2018-05-25", ID + "doc/wbp") in rows
    # the same lapses as `diff` lists for those days
    diff = cli("diff", "--from", "2018-01-01", "--to", "2021-12-31", "--format", "json").json()
    lapsed = {c["iri"] for c in diff["corpus"] if c["kind"] == "document" and c["to"] == "out"}
    assert {d for _day, d in rows} == lapsed


def test_diff_web_page(client):
    """/diff shows the corpus changes and a pasted service's verdict changes (the CLI's answer)."""
    page = client.get("/diff?from=2022-08-01&to=2022-09-01")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-iri="{RIJK}"' in text and "Rijksbreed cloudbeleid 2022" in text
    prefixes = ("@prefix ckd: <https://w3id.org/cloudkader/def#> .\n"
                "@prefix country: <http://publications.europa.eu/resource/authority/country/> .\n"
                "@prefix ex: <https://example.org/> .\n")
    r = client.post("/diff", data={"from": "2019-06-01", "to": "2021-06-01",
                                   "description": prefixes + gemeente_us(SHIELD)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'class="new-violation"' in html and "avg/artikel-44" in html
    assert client.post("/diff", data={"from": "2019-13-01", "to": "2021-06-01"}).status_code == 400
    bad = client.post("/diff", data={"from": "2019-06-01", "to": "2021-06-01", "description": "ex:x a"})
    assert bad.status_code == 400


def test_batch_answers_a_date_as_the_reference_path():
    """The register on a day inside the JenV line's uncertain year: the batch engine (which the
    CLI takes) gives the reference path's answer, undetermined entries and reasons included."""
    from cloudkader import core
    from cloudkader.checks import batch
    from cloudkader.checks.validation import validation_json
    from cloudkader.terms import paths

    path = paths.ROOT / "data" / "register" / "kamerbrief-2024.ttl"
    data = path.read_bytes()
    checker = core.get_checker("shacl", date(2025, 6, 1))
    out = batch.validate_files([(str(path), data, "turtle")], checker, None)
    assert out is not None
    ref = batch.reference_reports(core.read_description(data, "turtle", str(path)), checker, None)
    got, want = validation_json(out[0]), validation_json(ref[0])
    assert got == want
    assert any(u.get("reason") for s in want["services"] for u in s["undetermined"])


def test_diff_names_a_bad_file(cli, ttl, tmp_path):
    bad = tmp_path / "kapot.ttl"
    bad.write_text("ex:x a ckd:CloudService ;\n", encoding="utf-8")
    run = cli("diff", "--from", "2019-06-01", "--to", "2021-06-01", ttl(gemeente_us(SHIELD)), bad)
    assert run.code == 2 and "kapot.ttl" in run.err and "Traceback" not in run.err
