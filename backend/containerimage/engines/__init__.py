"""The engines one backend talks to: a pool of engine clients keyed by the name each request gives."""

from .pool import Pool

__all__ = ["Pool"]
