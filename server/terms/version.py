"""The version of cloudkader (``cloudkader --version``; pyproject.toml says the same, a test
keeps them equal)."""

VERSION = "0.1.0"
