"""Registers from spreadsheets (issue 15 item 4): a CSV or XLSX register, one row per service,
read through the CSVW metadata (checks/register.csv-metadata.json, the csvw package), gives the
same results as the Turtle descriptions of the same services; errors name row and column; the
command line, the batch, the HTTP API and the check form's download all read it."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cloudkader.checks import register_csv
from cloudkader.checks.description import DescriptionError, format_for_filename

from .conftest import EXAMPLES

REGISTER = EXAMPLES / "register.csv"
TEMPLATE = EXAMPLES / "register-template.csv"
# the Turtle examples whose services the example register holds (the two others describe a
# contract's provisions, which a register row has no column for)
TURTLE = ["caelus", "rijk-ienw-saas", "rijk-basisregistratie-azure", "rijk-vws-bijzondere-persoonsgegevens-vs",
          "rijk-dv-offensief-cyberprogramma", "jenv-exchange-online-mailboxes", "jenv-teams-videovergaderen",
          "jenv-aenm-samenwerken-sharepoint", "tk-commissiedossiers-private-cloud", "tk-vlos-spraakherkenning-saas",
          "gemeente-zaaksysteem-saas-vs"]
HEADER = ",".join(register_csv.column_names())


def _by_service(result: dict) -> dict:
    """Per service everything but its label (the register has one name; Turtle may have two) and
    its sources (the input files, which differ by construction)."""
    return {s["service"]: {k: v for k, v in s.items() if k not in ("label", "sources")} for s in result["services"]}


@pytest.fixture(scope="module")
def turtle_results():
    from cloudkader.cli import main

    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = main(["validate", "--format", "json", *[str(EXAMPLES / f"{n}.ttl") for n in TURTLE]])
    return code, json.loads(out.getvalue())


def test_register_validates_as_its_turtle(cli, turtle_results):
    code, turtle = turtle_results
    r = cli("validate", "--format", "json", REGISTER)
    assert r.code == code == 1, r.err
    reg = r.json()
    assert _by_service(reg) == _by_service(turtle)
    assert len(reg["services"]) == len(TURTLE)
    assert sum(len(s["results"]) for s in reg["services"]) > 0  # a comparison of something
    assert reg["outcome"] == turtle["outcome"] and reg["conforms"] == turtle["conforms"]
    a = cli("applicable", "--format", "json", REGISTER).json()
    t = cli("applicable", "--format", "json", *[EXAMPLES / f"{n}.ttl" for n in TURTLE]).json()
    assert _by_service(a) == _by_service(t)


def test_template_is_the_metadata_header():
    assert TEMPLATE.read_text(encoding="utf-8").strip() == HEADER
    assert REGISTER.read_text(encoding="utf-8").splitlines()[0] == HEADER
    assert format_for_filename("Register.CSV") == "csv" and format_for_filename("r.xlsx") == "xlsx"


ROW = "https://example.org/a,Dienst A,ienw,,PublicCloud,SaaS,aws,AWS,USA,PersonalData,NLD,,,DPIA,"


@pytest.mark.parametrize("text, words", [
    (f"{HEADER}\n{ROW.replace('PersonalData', 'Persnal')}\n", ["row 2, column data_categories", "'Persnal'", "not a data category"]),
    (f"{HEADER}\n{ROW}\n{ROW.replace('/a,', '/b,').replace(',NLD,', ',nl;NLD,')}\n",
     ["row 3, column data_locations", "'nl'", "[A-Z]{3}"]),
    (f"{HEADER}\n{ROW}\n{ROW.replace('ienw', 'ienw2')}\n", ["row 3, column id", "also on row 2"]),
    (f"{HEADER}\n{ROW.replace(',ienw,', ',xyz,')}\n", ["row 2, column organisation", "'xyz'", "organisation_type"]),
    (f"{HEADER}\n{ROW.replace(',DPIA,', ',DPIA;Dpiaa,')}\n", ["row 2, column measures", "'Dpiaa'", "vocabulary"]),
    (f"{HEADER}\n{ROW}DataPortability\n", ["row 2, column exit_strategy_covers", "ExitStrategy"]),
    (f"{HEADER}\n{ROW.replace('https://example.org/a', 'dienst a')}\n", ["row 2, column id", "'dienst a'"]),
    (f"{HEADER}\n{ROW.replace(',aws,', ',,')}\n", ["row 2, column provider_name", "needs a value in column provider"]),
    ("id,naam\nhttps://example.org/a,A\n", ["row 1", "unknown column 'naam'"]),
    ("name,organisation\nA,ienw\n", ["missing required columns", "id"]),
    (f"{HEADER}\n", ["no service"]),
    ("id,id\nhttps://example.org/a,https://example.org/a\n", ["row 1", "twice"]),
])
def test_register_errors_name_row_and_column(cli, tmp_path, text, words):
    f = tmp_path / "register.csv"
    f.write_text(text, encoding="utf-8")
    r = cli("validate", f)
    assert r.code == 2
    for w in words:
        assert w in r.err, r.err
    assert "Traceback" not in r.err and str(f) in r.err


def test_register_not_utf8(cli, tmp_path):
    f = tmp_path / "latin.csv"
    f.write_bytes((HEADER + "\n" + ROW.replace("Dienst A", "Caf\xe9") + "\n").encode("latin-1"))
    r = cli("validate", f)
    assert r.code == 2 and "not UTF-8" in r.err


def test_xlsx_register_equals_csv(cli, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in csv.reader(io.StringIO(REGISTER.read_text(encoding="utf-8"))):
        ws.append(row)
    path = tmp_path / "register.xlsx"
    wb.save(path)
    x = cli("validate", "--format", "json", path)
    c = cli("validate", "--format", "json", REGISTER)
    assert x.code == c.code == 1 and x.api_json() == c.api_json()
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (register_csv.XLSX_MAX_UNPACKED + 1))
    r = cli("validate", bomb)
    assert r.code == 2 and "unpacks to" in r.err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    r = cli("validate", broken)
    assert r.code == 2 and "XLSX" in r.err and "Traceback" not in r.err


def test_register_over_http(client, turtle_results):
    body = REGISTER.read_bytes()
    r = client.post("/validate", data=body, headers={"Content-Type": "text/csv; charset=utf-8", "Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert _by_service(r.get_json()) == _by_service(turtle_results[1])
    bad = (HEADER + "\n" + ROW.replace("PersonalData", "Persnal") + "\n").encode()
    r = client.post("/validate", data=bad, headers={"Content-Type": "text/csv"})
    assert r.status_code == 400 and "row 2, column data_categories" in r.get_data(as_text=True)


def test_reference_reader_reads_a_register(checker):
    """description.read (the path of the API and of the batch's reference reading) gives the
    triples the CSVW templates say: one per value of a list cell, typed measures and provider."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    from cloudkader import core
    from cloudkader.terms.namespaces import CKD

    d = core.read_description(REGISTER.read_bytes(), "csv", "register.csv")
    g = d.graph
    caelus = URIRef("https://example.org/caelus")
    assert caelus in d.services
    assert set(g.objects(caelus, CKD.dataLocation)) == {
        URIRef("http://publications.europa.eu/resource/authority/country/NLD"),
        URIRef("http://publications.europa.eu/resource/authority/country/IRL")}
    exit_ = URIRef("https://example.org/caelus-ExitStrategy")
    assert (caelus, CKD.hasMeasure, exit_) in g and (exit_, RDF.type, CKD.ExitStrategy) in g
    assert set(g.objects(exit_, CKD.covers)) == {CKD.DataPortability, CKD.AlternativeLanding}
    aws = URIRef("https://w3id.org/cloudkader/id/provider/aws")
    assert (aws, RDF.type, CKD.CloudProvider) in g and (aws, CKD.jurisdiction, None) in g
    with pytest.raises(DescriptionError):
        core.read_description(b"   ", "csv", "empty.csv")


FORM = {"name": "Samenwerkplatform", "org": "jenv", "deployment": "PublicCloud", "servicemodel": "SaaS",
        "provider": "Microsoft", "jurisdiction": "USA", "data": ["PersonalData"], "location": ["NLD", "IRL"],
        "product": ["TeamsCollaboration"], "measure": ["DPIA", "ExitStrategy"], "part-ExitStrategy": ["DataPortability"]}


def test_check_form_downloads_its_service(client):
    """The form's service as Turtle and as a register row: both read back to the same results."""
    page = client.get("/check").get_data(as_text=True)
    assert 'id="download-csv"' in page and 'id="download-turtle"' in page
    t = client.post("/check/download?format=turtle", data=FORM)
    c = client.post("/check/download?format=csv", data=FORM)
    assert t.status_code == c.status_code == 200
    assert t.mimetype == "text/turtle" and c.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(c.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["organisation"] == "jenv" and rows[0]["data_locations"] == "IRL;NLD"
    assert rows[0]["measures"] == "DPIA;ExitStrategy" and rows[0]["exit_strategy_covers"] == "DataPortability"
    hdr = {"Accept": "application/json"}
    from_ttl = client.post("/validate", data=t.get_data(), headers={**hdr, "Content-Type": "text/turtle"}).get_json()
    from_csv = client.post("/validate", data=c.get_data(), headers={**hdr, "Content-Type": "text/csv"}).get_json()
    assert _by_service(from_csv) == _by_service(from_ttl) and from_ttl["services"][0]["results"]
    assert client.post("/check/download?format=csv", data={**FORM, "org": ""}).status_code == 400
    assert client.post("/check/download?format=pdf", data=FORM).status_code == 400
    # the form is a GET form: its download buttons send the answers in the query string
    g = client.get("/check/download", query_string={**FORM, "format": "csv"})
    assert g.status_code == 200 and g.get_data() == c.get_data()
    tpl = client.get("/register-template.csv")
    assert tpl.status_code == 200 and tpl.get_data(as_text=True).strip() == HEADER


def test_register_reader_never_crashes(checker):
    """Generated cells under the template's header (and generated headers): a description or a
    DescriptionError, never another exception."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from cloudkader.checks.description import read

    vocab = checker.k.vocabulary
    cell = st.one_of(st.sampled_from(["", "ienw", "PersonalData;NLD", "https://example.org/x", ";;", "SaaS", "=1+1",
                                      '"a,b"', "DPIA;ExitStrategy", "x\ny"]), st.text(max_size=12))
    names = register_csv.column_names()

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(rows=st.lists(st.lists(cell, min_size=len(names), max_size=len(names)), max_size=3),
           header=st.one_of(st.just(names), st.lists(st.sampled_from(names + ["x", ""]), min_size=1, max_size=5)))
    def run(rows, header):
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        for r in rows:
            w.writerow(r[:len(header)])
        try:
            read(buf.getvalue().encode(), "csv", vocab, "fuzz.csv")
        except DescriptionError:
            pass

    run()
