"""cloudkader: a knowledge graph of Dutch government cloud policy.

The Python API (:mod:`cloudkader.api`): ``cloudkader.validate(...)`` and
``cloudkader.applicable(...)`` with typed results; loaded on first use, so that ``import
cloudkader`` stays light."""

from .terms.version import VERSION as __version__

_API = ("validate", "applicable", "InputError", "Validation", "ServiceValidation", "Finding", "Undetermined",
        "FrameworkScope", "Applicability", "ServiceApplicability", "ApplicableProvision")

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cloudkader' has no attribute {name!r}")
