"""The words (namespaces) and the places (paths) of the knowledge; imports nothing of ours."""
