"""The Distribution (registry v2) HTTP API, without the engine: one job per module.

    address    a registry's address (host[:port], scheme), Docker Hub's names (the one list of them),
               loopback, and which schemes to try
    auth       logins (docker's config.json and credential helpers, or given for one call), the
               WWW-Authenticate challenge, Basic, and Bearer tokens per scope (pull, push, and the
               cross-repository mount: pull on the source, push on the destination)
    client     RegistryClient: the HTTP calls, reads (catalog, tags, manifests, blobs), writes (blob
               uploads, manifests), mounts and deletes, with auth and errors named for the user
    manifests  media types, what a manifest or index holds (platforms, layers, foreign layers, config),
               and choosing a platform

Nothing here imports the engine (engine.py), the settings or the operations: they import this.
"""
