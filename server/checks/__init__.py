"""A description in, a report out: input parsing, enrichment/scope, validation, batch."""
