"""A docker APIClient for an Endpoint (resolve.py): unix, npipe, tcp with or without TLS, and ssh (ssh.py).

The client asks the engine its API version once ("auto"), so old and new engines both work; every failure
comes out through errors.translate, naming the engine (a certificate problem as SecurityError).
"""

import docker

from ..errors import translate
from .ssh import SshAdapter

TIMEOUT_SECONDS = 120
_LOCAL_PLACEHOLDER = "unix:///containerimage-ssh-engine.invalid"  # replaced by the ssh adapter at once
_FIRST_VERSION = "1.24"  # for the one request that asks the engine its own


def client(endpoint, timeout=TIMEOUT_SECONDS, target=None):
    """A connected docker.APIClient for endpoint; a BackendError naming the engine when it cannot be had
    (its target: target, else the endpoint's name)."""
    api = None
    try:
        address = endpoint.address
        if address.scheme == "ssh":
            # The unix form mounts an adapter on http+docker:// whose requests carry no host and no proxy;
            # ours takes its place, so every request goes through ssh.
            api = docker.APIClient(base_url=_LOCAL_PLACEHOLDER, version=_FIRST_VERSION, timeout=timeout)
            adapter = SshAdapter(address, timeout)
            api.mount("http+docker://", adapter)
            api._custom_adapter = adapter
        else:
            api = docker.APIClient(base_url=endpoint.host, tls=endpoint.tls or False, version=_FIRST_VERSION,
                                   timeout=timeout)
        if address.scheme in ("unix", "npipe", "ssh"):
            # No proxy or netrc applies to a local socket or a program's pipes; without this, requests looks
            # both up in the environment and the home folder at every call (~0.3 ms each).
            api.trust_env = False
        elif endpoint.tls is not None:
            _keep_tls_verification(api)
        # What version="auto" does, once the client is set up: old and new engines both work.
        api._version = api.version(api_version=False)["ApiVersion"]
        return api
    except Exception as exc:
        if api is not None:
            api.close()
        raise translate(exc, target=target or endpoint.name, engine=endpoint) from exc


def _keep_tls_verification(api):
    """requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (set on many machines) replace the CA the client
    verifies the engine with; the engine's CA is what counts, as for the docker CLI. Proxies from the
    environment still apply."""
    merge = api.merge_environment_settings

    def merge_keeping_verify(url, proxies, stream, verify, cert):
        merged = merge(url, proxies, stream, verify, cert)
        merged["verify"] = api.verify if verify is None else verify
        return merged

    api.merge_environment_settings = merge_keeping_verify
