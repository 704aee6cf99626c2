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
DPV = Namespace("https://w3id.org/dpv#")  # DPV 2: SKOS concepts
DPV_OWL = Namespace("https://w3id.org/dpv/owl#")  # DPV 2: the OWL serialisation (class axioms)
ONTOLOGY_IRI = "https://w3id.org/cloudkader/def"

# The vocabularies' prefixes and the namespaces cloudkader mints outside any framework. The
# frameworks' own prefixes (rijk:, tk:, …) and the shapes' are those the Turtle files declare:
# ``corpus.prefixes()`` adds them from the data.
PREFIXES = {
    "ckd": CKD,
    "id": ID,
    "org": ORG,
    "theme": THEME,
    "country": COUNTRY,
    "role": Namespace(str(ID) + "role/"),
    "doc": Namespace(str(ID) + "doc/"),
    "svc": Namespace(str(ID) + "service/"),
    "system": Namespace(str(ID) + "system/"),
    "sh": SH,
    "eli": ELI,
    "dpv": DPV,
    "dpv-owl": DPV_OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}

def sparql_prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
