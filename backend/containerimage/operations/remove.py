"""Removing images: one by one with dependency protection (image.remove), and pruning (image.prune)."""

METHODS = {}
