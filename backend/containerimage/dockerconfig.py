"""Where the docker CLI keeps its configuration: the one place that finds the folder.

The folder is DOCKER_CONFIG, else ~/.docker; config.json in it holds logins (auths, credsStore,
credHelpers) and the current context, contexts/ the contexts, and the folder holds TLS material for
DOCKER_TLS_VERIFY without DOCKER_CERT_PATH. As for the CLI, a DOCKER_CONFIG without a config.json means no
logins, not the user's own file.
"""

import os

FILE_NAME = "config.json"


def config_dir(environ=os.environ):
    """DOCKER_CONFIG, else ~/.docker."""
    return environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")


def config_path(environ=os.environ):
    """config.json in config_dir (it may not exist)."""
    return os.path.join(config_dir(environ), FILE_NAME)
