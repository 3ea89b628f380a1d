"""Pushing an image to its registry, with per-layer progress (image.push)."""

METHODS = {}
