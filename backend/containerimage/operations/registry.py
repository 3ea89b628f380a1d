"""Logging in to and out of registries (registry.login, registry.logout), stored where the docker CLI keeps them."""

METHODS = {}
