"""Holding and querying RDF: the store protocol, memory/Oxigraph/remote stores, the query
guard, result writers, the answer cap and the isolated query executor."""
