"""cloudkader: a knowledge graph of Dutch government cloud policy."""

__version__ = "0.1.0"
