"""The sandbox's extra engines, as files: TLS certificates (openssl), an sshd configuration with its keys, and
the ssh client's configuration. sandbox.py starts the daemons; this module only writes what they read.

Standard library only (runs with Debian's /usr/bin/python3); needs openssl and openssh-server's ssh-keygen.

The certificate folder (tls/) holds, each in the layout DOCKER_CERT_PATH and `docker context create` take
(ca.pem, cert.pem, key.pem):

    tls/server/        the TLS engine's own: a certificate for IP 127.0.0.1 (so tcp://localhost:PORT is a
                       name mismatch), signed by the sandbox's CA
    tls/client/        a client certificate the TLS engine accepts, and the CA that signed the engine's
    tls/wrong-ca/      the same client certificate, but a CA that did not sign the engine's certificate
    tls/expired/       a server certificate for 127.0.0.1 signed by the sandbox's CA that has expired (for a
                       test's own TLS listener: the engine itself never presents it)
    tls/ca-key.pem     the CA's key (tests may sign more)
"""

import os
import subprocess

CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
POWERSHELL = '/usr/local/bin/pwsh'


def _openssl(*args, cwd):
    subprocess.run(['openssl', *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def _write(path, text, mode=0o644):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    os.chmod(path, mode)


def _sign(folder, name, subject, extensions, ca, days):
    """name-key.pem and name-cert.pem in folder: a new key and its certificate signed by ca (a pair of paths)."""
    _openssl('req', '-new', *CURVE, '-keyout', f'{name}-key.pem', '-out', f'{name}.csr', '-subj', subject,
             cwd=folder)
    _write(os.path.join(folder, f'{name}.ext'), extensions)
    # -days -1: a certificate whose notAfter lies before its notBefore, i.e. expired from the start
    _openssl('x509', '-req', '-in', f'{name}.csr', '-CA', ca[0], '-CAkey', ca[1], '-CAcreateserial',
             '-days', str(days), '-out', f'{name}-cert.pem', '-extfile', f'{name}.ext', cwd=folder)
    os.remove(os.path.join(folder, f'{name}.csr'))
    os.remove(os.path.join(folder, f'{name}.ext'))


def _new_ca(folder, name, subject):
    _openssl('req', '-x509', '-new', *CURVE, '-keyout', f'{name}-key.pem', '-out', f'{name}.pem', '-days', '7',
             '-subj', subject, cwd=folder)
    return os.path.join(folder, f'{name}.pem'), os.path.join(folder, f'{name}-key.pem')


def _cert_dir(folder, name, ca_pem, cert_pem, key_pem):
    target = os.path.join(folder, name)
    os.makedirs(target)
    for source, file_name in ((ca_pem, 'ca.pem'), (cert_pem, 'cert.pem'), (key_pem, 'key.pem')):
        with open(source, encoding='utf-8') as f:
            _write(os.path.join(target, file_name), f.read(), 0o600 if file_name == 'key.pem' else 0o644)
    return target


def make_certificates(folder):
    """The certificates described above, under folder (made). Returns {'server','client','wrong-ca','expired'}
    -> their folders."""
    os.makedirs(folder)
    ca = _new_ca(folder, 'ca', '/CN=ContainerImage sandbox CA')
    wrong_ca = _new_ca(folder, 'wrong-ca', '/CN=ContainerImage sandbox wrong CA')
    server_ext = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'
    _sign(folder, 'server', '/CN=127.0.0.1', server_ext, ca, 7)
    _sign(folder, 'client', '/CN=containerimage-client', 'extendedKeyUsage=clientAuth\n', ca, 7)
    _sign(folder, 'expired', '/CN=127.0.0.1', server_ext, ca, -1)
    os.remove(wrong_ca[1])  # nothing is signed with the wrong CA's key
    pem = lambda name: os.path.join(folder, name)  # noqa: E731
    return {
        'server': _cert_dir(folder, 'server', ca[0], pem('server-cert.pem'), pem('server-key.pem')),
        'client': _cert_dir(folder, 'client', ca[0], pem('client-cert.pem'), pem('client-key.pem')),
        'wrong-ca': _cert_dir(folder, 'wrong-ca', wrong_ca[0], pem('client-cert.pem'), pem('client-key.pem')),
        'expired': _cert_dir(folder, 'expired', ca[0], pem('expired-cert.pem'), pem('expired-key.pem')),
    }


def make_ssh(folder, port, remote_env):
    """Keys and configurations for a private sshd on 127.0.0.1:port that lets root in with one generated key
    only, and for the ssh client that uses it. remote_env (name -> value) is given to every session through
    sshd's SetEnv: the far side of an ssh:// engine runs `docker system dial-stdio`, which must reach a sandbox
    engine (DOCKER_HOST), never the machine's default socket. Returns a dict of the paths."""
    os.makedirs(folder, mode=0o700)
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    for key in ('host_key', 'client_key'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', f'containerimage-sandbox-{key}',
                        '-f', path(key)], check=True, stdout=subprocess.DEVNULL)
    with open(path('client_key.pub'), encoding='utf-8') as f:
        _write(path('authorized_keys_root'), f.read(), 0o600)
    with open(path('host_key.pub'), encoding='utf-8') as f:
        host_key = ' '.join(f.read().split()[:2])
    _write(path('known_hosts'), f'[127.0.0.1]:{port} {host_key}\n')
    set_env = ' '.join(f'"{name}={value}"' for name, value in sorted(remote_env.items()))
    _write(path('sshd_config'), '\n'.join([
        f'ListenAddress 127.0.0.1:{port}',
        f'HostKey {path("host_key")}',
        f'PidFile {path("sshd.pid")}',
        # %u: only root has a file, so any other user name is refused (an "ssh host that refuses the key")
        f'AuthorizedKeysFile {folder}/authorized_keys_%u',
        'AllowUsers root',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',  # the keys live under /tmp, which is world-writable
        'X11Forwarding no',
        'AllowTcpForwarding no',
        'PrintMotd no',
        f'SetEnv {set_env}',
        f'Subsystem powershell {POWERSHELL} -sshs -NoLogo -NoProfile',
        'LogLevel VERBOSE',
        '',
    ]))
    _write(path('ssh_config'), '\n'.join([
        'Host 127.0.0.1 localhost',
        f'    IdentityFile {path("client_key")}',
        '    IdentitiesOnly yes',
        f'    UserKnownHostsFile {path("known_hosts")}',
        '    GlobalKnownHostsFile /dev/null',
        '    StrictHostKeyChecking yes',
        '    BatchMode yes',
        '    ConnectTimeout 30',
        '',
    ]))
    # An `ssh` first on PATH that reads this configuration instead of ~/.ssh/config (ssh takes ~ from the
    # password database, not HOME): the docker CLI, the backend and PowerShell remoting all run `ssh`.
    os.makedirs(path('bin'))
    _write(path('bin/ssh'), f'#!/bin/sh\nexec /usr/bin/ssh -F {path("ssh_config")} "$@"\n', 0o755)
    return {'config': path('ssh_config'), 'sshd_config': path('sshd_config'), 'key': path('client_key'),
            'known_hosts': path('known_hosts'), 'bin': path('bin')}
