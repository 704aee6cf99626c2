"""The namespaces cloudkader mints and reuses."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

CKD = Namespace("https://w3id.org/cloudkader/def#")
ID = Namespace("https://w3id.org/cloudkader/id/")
GRAPH = Namespace("https://w3id.org/cloudkader/graph/")
ORG = Namespace("https://w3id.org/cloudkader/id/org/")
THEME = Namespace("https://w3id.org/cloudkader/id/theme/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
SH = Namespace("http://www.w3.org/ns/shacl#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DPV = Namespace("https://w3id.org/dpv#")
ONTOLOGY_IRI = "https://w3id.org/cloudkader/def"

PREFIXES = {
    "ckd": CKD,
    "id": ID,
    "org": ORG,
    "theme": THEME,
    "country": COUNTRY,
    "rijk": Namespace(str(ID) + "rijk/"),
    "tk": Namespace(str(ID) + "tk/"),
    "gem": Namespace(str(ID) + "gemeenten/"),
    "jenv": Namespace(str(ID) + "jenv/"),
    "irc": Namespace(str(ID) + "irc/"),
    "role": Namespace(str(ID) + "role/"),
    "doc": Namespace(str(ID) + "doc/"),
    "svc": Namespace(str(ID) + "service/"),
    "system": Namespace(str(ID) + "system/"),
    "sh": SH,
    "eli": ELI,
    "dpv": DPV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}

FRAMEWORK_KEYS = ("rijk", "tk", "gemeenten", "jenv", "irc")


def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
