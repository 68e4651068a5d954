"""`cascade self-check [--keyring-roundtrip]`: what a frozen build can and cannot do, as JSON.

A diagnostic for installers and bug reports, not a user feature. It reports the TLS trust store the
app would use (CA count and where it came from), the keyring backend, whether the bundled resources
are present, and, when asked, stores, reads back and deletes a dummy secret through the same code
path the app uses for API keys. Exit status 0 only when every check run passed. Never loads Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import ssl
import sys
from typing import Any

from app import __version__
from app.resources import resource_path
from app.store.secrets import (
    SecretStoreUnavailable,
    backend_description,
    backend_refusal,
    delete_secret,
    get_secret,
    set_secret,
)

PROBE_SERVICE = "cascade-self-check"
PROBE_NAME = "probe"
# Files every command needs at start-up; their absence is the classic "works from source" bug.
REQUIRED_RESOURCES = (
    ("scenarios", "2026-01-20.jsonl.gz"),
    ("instruments-majors.json",),
    ("macro", "jgbcme_all.csv"),
    ("macro", "jgbcme_all.compact"),  # start-up reads this twin, not the 1.2 MB CSV
    ("macro", "events.ics"),
    ("icons", "cascade-256.png"),
    ("help", "margin.txt"),  # `cascade margin --help`: the field reference and examples
)


def tls_report() -> dict[str, Any]:
    paths = ssl.get_default_verify_paths()
    context = ssl.create_default_context()
    return {
        "x509_ca": context.cert_store_stats()["x509_ca"],
        "cafile": paths.cafile,
        "capath": paths.capath,
        "openssl": ssl.OPENSSL_VERSION,
    }


def resources_report() -> dict[str, Any]:
    missing = ["/".join(parts) for parts in REQUIRED_RESOURCES if not resource_path(*parts).is_file()]
    return {"dir": str(resource_path()), "missing": missing}


async def _roundtrip() -> str:
    value = secrets.token_urlsafe(16)
    try:
        await set_secret(PROBE_SERVICE, PROBE_NAME, value)
        read_back = await get_secret(PROBE_SERVICE, PROBE_NAME)
        await delete_secret(PROBE_SERVICE, PROBE_NAME)
        gone = await get_secret(PROBE_SERVICE, PROBE_NAME) is None
    except SecretStoreUnavailable as exc:
        return f"failed: {exc}"
    if read_back != value:
        return "failed: read back a different value"
    return "ok" if gone else "failed: secret still present after delete"


def keyring_warning() -> str | None:
    """Why the keyring cannot store API keys (fail, null or a non-allow-listed backend), or None."""
    import keyring

    try:
        return backend_refusal(keyring.get_keyring())
    except Exception as exc:  # a backend that fails to even load is the same answer for the user
        return f"the keyring could not be opened ({type(exc).__name__})"


def keyring_report(roundtrip: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"backend": backend_description()}
    warning = keyring_warning()
    if warning is not None:
        report["warning"] = f"cannot store API keys: {warning}"
    if roundtrip:
        report["roundtrip"] = asyncio.run(_roundtrip())
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cascade self-check", description=__doc__.splitlines()[0])
    parser.add_argument("--keyring-roundtrip", action="store_true",
                        help="store, read back and delete a dummy secret in the system keyring")
    options = parser.parse_args(argv)
    report = {
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "tls": tls_report(),
        "keyring": keyring_report(options.keyring_roundtrip),
        "resources": resources_report(),
    }
    print(json.dumps(report, indent=2))
    if "warning" in report["keyring"]:  # a warning, not a failed check: the app runs without API keys
        print(f"cascade self-check: warning: keyring backend {report['keyring']['backend']} "
              f"{report['keyring']['warning']}", file=sys.stderr)
    passed = (
        report["tls"]["x509_ca"] > 0
        and not report["resources"]["missing"]
        and report["keyring"].get("roundtrip", "ok") == "ok"
    )
    return 0 if passed else 1
