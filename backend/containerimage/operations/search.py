"""Searching for images: Docker Hub through the engine, a private registry through its catalog (registry.search)."""

METHODS = {}
