"""PyInstaller runtime hook: make sure the frozen app has a TLS trust store.

The bundled OpenSSL looks for CA certificates where the build machine keeps them (Debian's
/usr/lib/ssl). That is right on Debian and Ubuntu, wrong on Fedora, Arch or a minimal container,
and every TLS connection would then fail with CERTIFICATE_VERIFY_FAILED. When OpenSSL's defaults
(including SSL_CERT_FILE / SSL_CERT_DIR, if set) point at no certificates, use the Mozilla bundle
shipped from certifi. The system store wins when it exists, so CAs an administrator installed
(corporate proxies) keep working.
"""

import os
import ssl
import sys


def _system_store_present() -> bool:
    paths = ssl.get_default_verify_paths()  # cafile/capath are None when they do not exist
    if paths.cafile:
        return True
    return bool(paths.capath) and any(name.endswith((".0", ".pem", ".crt")) for name in os.listdir(paths.capath))


def _use_bundled_store() -> None:
    bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "certifi", "cacert.pem")
    if os.path.isfile(bundled) and not _system_store_present():
        os.environ["SSL_CERT_FILE"] = bundled
        os.environ.pop("SSL_CERT_DIR", None)


_use_bundled_store()
