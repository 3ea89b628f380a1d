#!/usr/bin/env python3
"""A docker credential helper for tests: a real helper program, keeping its secrets in a JSON file.

Installed under the name docker-credential-NAME into a folder on PATH, it is what `credsStore: NAME`
or `credHelpers: {registry: NAME}` in config.json makes docker (and the ContainerImage backend) run.
It speaks the documented protocol (github.com/docker/docker-credential-helpers):

    store   stdin {"ServerURL", "Username", "Secret"}       stdout nothing
    get     stdin the server URL                            stdout {"ServerURL", "Username", "Secret"}
    erase   stdin the server URL                            stdout nothing
    list    stdin nothing                                   stdout {"server URL": "user name", ...}

An unknown server is "credentials not found in native keychain" on stdout and exit code 1, as the real
helpers say it. Secrets are kept in docker-credential-NAME.json beside the program (a test reads that
file to see where a login went); each call is appended to docker-credential-NAME.log as "action server"
(never the secret), so a test can see that the helper was run.

    install(folder, name) -> path     copies this program into folder as docker-credential-NAME
"""

import json
import os
import shutil
import sys

NOT_FOUND = "credentials not found in native keychain"


def install(folder, name):
    path = os.path.join(folder, f"docker-credential-{name}")
    shutil.copyfile(os.path.abspath(__file__), path)
    os.chmod(path, 0o755)
    return path


def _load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def _save(path, secrets):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(secrets, f, ensure_ascii=False)


def main(argv):
    program = os.path.abspath(argv[0])
    secrets_path = program + ".json"
    action = argv[1] if len(argv) > 1 else ""
    data = "" if action == "list" else sys.stdin.buffer.read().decode("utf-8")
    entry = json.loads(data) if action == "store" else None
    server = entry["ServerURL"] if entry else data.strip()
    with open(program + ".log", "a", encoding="utf-8") as log:
        log.write(f"{action} {server}\n")
    secrets = _load(secrets_path)
    if action == "store":
        secrets[server] = {"Username": entry["Username"], "Secret": entry["Secret"]}
        _save(secrets_path, secrets)
    elif action in ("get", "erase"):
        if server not in secrets:
            print(NOT_FOUND)
            return 1
        if action == "get":
            sys.stdout.write(json.dumps(dict(secrets[server], ServerURL=server)))
        else:
            del secrets[server]
            _save(secrets_path, secrets)
    elif action == "list":
        sys.stdout.write(json.dumps({url: kept["Username"] for url, kept in secrets.items()}))
    else:
        print(f"unknown action: {action}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
