"""The corpus and what is built from it: sources, corpus build, reasoning, frameworks
catalogue, compiled knowledge, named queries, overlaps, OSCAL export, the process-wide store."""
