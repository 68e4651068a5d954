#!/usr/bin/env bash
# Packaging smoke test: build the Linux bundle, tarball and .deb, then prove the frozen app works
# the way a user's machine will run it. Run as root on Debian 12 (CI does, after the test suite):
#
#   packaging/smoke.sh                 # build, then check
#   SMOKE_SKIP_BUILD=1 packaging/smoke.sh   # check an existing packaging/dist/ (e.g. right after build.sh)
#
# Checks: the demo prints its summary line offscreen and under Xvfb (xcb); headless commands (--version, margin, macro,
# replay-server, self-check) run from the bundle; the bundle's TLS trust store is not empty, with the
# system store and with the bundled certifi fallback; a dummy secret is stored, read back and deleted
# through the Secret Service (gnome-keyring under dbus-run-session), and with no D-Bus session the app
# refuses instead of falling back to a plaintext file; the .deb installs with apt-get, `cascade
# --version` runs from /usr/bin, and it is removed again. Prints the figures packaging/README.md quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
started_all=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- what the checks need (a clean Debian 12 has none of it) -------------------------------------
needed=""
for pkg in binutils dbus dbus-user-session gnome-keyring desktop-file-utils xvfb xauth; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || needed="$needed $pkg"
done
if [ -n "$needed" ]; then
  echo "apt-get install$needed"
  as_root apt-get update -qq
  # shellcheck disable=SC2086
  as_root apt-get install -y -qq --no-install-recommends $needed >/dev/null
fi
[ -x .venv/bin/python ] || bash packaging/install.sh
.venv/bin/python -c 'import PyInstaller, certifi' 2>/dev/null || .venv/bin/python -m pip install -q -e ".[package]"

version=$(.venv/bin/python -c 'import app; print(app.__version__)')
bundle=packaging/dist/cascade
exe="$bundle/cascade"
if [ "${SMOKE_SKIP_BUILD:-0}" != 1 ]; then
  bash packaging/linux/build.sh
fi
[ -x "$exe" ] || fail "no bundle at $bundle (run packaging/linux/build.sh)"
deb=$(ls packaging/dist/cascade_"${version}"_*.deb 2>/dev/null | head -1)
tarball=$(ls packaging/dist/cascade-"${version}"-linux-*.tar.gz 2>/dev/null | head -1)
[ -n "$deb" ] && [ -n "$tarball" ] || fail "no .deb or tarball for $version in packaging/dist"

# The frozen app gets a private, empty home: no settings, history or keyring of the machine's user.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" \
  XDG_CACHE_HOME="$scratch/cache" XDG_STATE_HOME="$scratch/state" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS
json_field() {  # json_field FILE a.b.c -> the value (the .venv's Python only reads the report)
  .venv/bin/python -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(value)' "$1" "$2"
}

# --- contents ------------------------------------------------------------------------------------
internal="$bundle/_internal"
for f in resources/scenarios/2026-01-20.jsonl.gz resources/instruments-majors.json resources/macro/events.ics \
         resources/icons/cascade-256.png resources/help/margin.txt certifi/cacert.pem keyring-*.dist-info/entry_points.txt; do
  compgen -G "$internal/$f" >/dev/null || fail "bundle lacks $f"
done
[ ! -e "$internal/resources/docs" ] || fail "resources/docs (repository documents) is bundled"
[ -z "$(find "$internal" -path '*keyrings/alt*' -print -quit)" ] || fail "keyrings.alt (plaintext keyring) is bundled"
[ -z "$(find "$internal" -name 'libQt6Quick*' -o -name 'libQt6WebEngine*' -o -name 'libqgtk3*' | head -1)" ] \
  || fail "an excluded Qt module is bundled"
ok "bundle contents (resources without docs, certifi, keyring entry points; no keyrings.alt, Quick, WebEngine)"

# --- headless commands from the frozen app --------------------------------------------------------
[ "$("$exe" --version)" = "cascade $version" ] || fail "--version printed '$("$exe" --version)'"
echo '{"venue":"binance","symbol":"BTCUSDT","side":"long","entry_price":90000,"quantity":1,"leverage":20}' \
  | timeout 30 "$exe" margin > "$scratch/margin.json"
grep -q '"tier_source": "bundled binance BTCUSDT tiers' "$scratch/margin.json" || fail "margin: $(cat "$scratch/margin.json")"
timeout 30 "$exe" macro --date 2026-01-20 --json > "$scratch/macro.json" || fail "macro exited $?"
.venv/bin/python -c 'import json, sys; json.load(open(sys.argv[1]))' "$scratch/macro.json" || fail "macro printed no JSON"
timeout 30 "$exe" replay-server --help | grep -q "Serve a recording" || fail "replay-server --help"
ok "--version, margin (bundled tiers), macro --json, replay-server --help"

# --- the GUI demo, offscreen ----------------------------------------------------------------------
# Two closing lines: the venue counts (scripts read its prefix; more venues may follow okx), then the
# position nearest to liquidation over the run.
QT_QPA_PLATFORM=offscreen timeout 90 "$exe" --demo --exit-after 10 >"$scratch/demo.out" 2>"$scratch/demo.err" \
  || { cat "$scratch/demo.err" >&2; fail "demo exited non-zero"; }
summary=$(grep '^cascade: liquidations shown' "$scratch/demo.out" | tail -1)
[[ "$summary" =~ ^cascade:\ liquidations\ shown\ binance=([0-9]+)\ bybit=([0-9]+)\ okx=([0-9]+)(\ [a-z]+=[0-9]+)*$ ]] \
  || { cat "$scratch/demo.err" >&2; fail "demo summary line: '$summary'"; }
(( BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3] > 0 )) || fail "demo showed no liquidations: $summary"
nearest=$(grep '^cascade: nearest to liquidation ' "$scratch/demo.out" | tail -1)
[[ -n "$nearest" ]] || fail "demo printed no nearest-to-liquidation line"
ok "demo: $summary / $nearest"
# The same under a real X server (Xvfb): the xcb platform plugin and the system libraries the .deb
# depends on load, as on a user's desktop.
summary=$(QT_QPA_PLATFORM=xcb timeout 90 xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" \
  "$exe" --demo --exit-after 5 2>"$scratch/xcb.err" | grep '^cascade: liquidations shown' | tail -1) \
  || { cat "$scratch/xcb.err" >&2; fail "xcb demo exited non-zero"; }
[[ "$summary" =~ ^cascade:\ liquidations\ shown ]] || { cat "$scratch/xcb.err" >&2; fail "xcb demo summary: '$summary'"; }
ok "demo under Xvfb (xcb): $summary"
# Start-up: a demo told to quit at once (window built, feeds started, clean shutdown); median of 3.
startups=()
for _ in 1 2 3; do
  t0=$(date +%s%N)
  QT_QPA_PLATFORM=offscreen timeout 60 "$exe" --demo --exit-after 0.01 >/dev/null 2>&1 || fail "quick demo exited non-zero"
  startups+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
startup_ms=$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 2p)
ok "start-to-exit of the frozen demo: median ${startup_ms} ms (runs: ${startups[*]})"

# --- TLS trust store ------------------------------------------------------------------------------
env -u SSL_CERT_FILE -u SSL_CERT_DIR "$exe" self-check > "$scratch/tls.json" || fail "self-check: $(cat "$scratch/tls.json")"
cas=$(json_field "$scratch/tls.json" tls.x509_ca)
(( cas > 0 )) || fail "the bundle's default TLS context holds no CA certificates"
ok "TLS: $cas CA certificates from $(json_field "$scratch/tls.json" tls.cafile)"
SSL_CERT_FILE=/nonexistent SSL_CERT_DIR=/nonexistent "$exe" self-check > "$scratch/tls2.json" || true
cas=$(json_field "$scratch/tls2.json" tls.x509_ca)
[[ "$(json_field "$scratch/tls2.json" tls.cafile)" == */_internal/certifi/cacert.pem ]] && (( cas > 0 )) \
  || fail "no certifi fallback when the system store is missing: $(cat "$scratch/tls2.json")"
ok "TLS fallback: $cas CA certificates from the bundled certifi when the system store is missing"

# --- keyring: Secret Service, never plaintext ------------------------------------------------------
dbus-run-session -- sh -c 'printf smoke | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
  "$0" self-check --keyring-roundtrip' "$exe" > "$scratch/keyring.json" 2>"$scratch/keyring.err" \
  || { cat "$scratch/keyring.err" "$scratch/keyring.json" >&2; fail "keyring round-trip under gnome-keyring"; }
backend=$(json_field "$scratch/keyring.json" keyring.backend)
[ "$backend" = "keyring.backends.SecretService.Keyring" ] || fail "keyring backend is $backend, not Secret Service"
[ "$(json_field "$scratch/keyring.json" keyring.roundtrip)" = ok ] || fail "keyring round-trip: $(cat "$scratch/keyring.json")"
ok "keyring: stored, read back and deleted a secret through $backend"
if "$exe" self-check --keyring-roundtrip > "$scratch/nokeyring.json" 2>/dev/null; then
  fail "with no D-Bus session a secret was stored somewhere: $(cat "$scratch/nokeyring.json")"
fi
[ -z "$(find "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" -iname '*keyring*.cfg' -print -quit)" ] || fail "a keyring file appeared"
ok "keyring: with no Secret Service the app refuses ($(json_field "$scratch/nokeyring.json" keyring.backend))"

# --- the .deb ---------------------------------------------------------------------------------------
desktop-file-validate packaging/linux/cascade.desktop || fail "cascade.desktop does not validate"
dpkg-deb --field "$deb" Package Version Depends >/dev/null || fail "unreadable control file in $deb"
dpkg-deb --contents "$deb" > "$scratch/deb-contents.txt"  # to a file: grep -q would break the pipe
grep -q ' ./usr/bin/cascade -> /opt/cascade/cascade$' "$scratch/deb-contents.txt" || fail ".deb lacks /usr/bin/cascade"
grep -q ' ./usr/share/applications/cascade.desktop$' "$scratch/deb-contents.txt" || fail ".deb lacks the .desktop entry"
grep -q ' ./usr/share/icons/hicolor/256x256/apps/cascade.png$' "$scratch/deb-contents.txt" || fail ".deb lacks the icon"
as_root apt-get install -y -qq "$(realpath "$deb")" >/dev/null || fail "apt-get install $deb"
trap 'as_root apt-get remove -y -qq cascade >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
installed=$(cd / && cascade --version) || fail "cascade --version from the .deb exited non-zero"
[ "$installed" = "cascade $version" ] || fail "installed cascade --version printed '$installed'"
[ "$(command -v cascade)" = /usr/bin/cascade ] || fail "cascade on PATH is $(command -v cascade), not /usr/bin/cascade"
(cd / && cascade self-check >/dev/null) || fail "installed cascade self-check failed"
as_root apt-get remove -y -qq cascade >/dev/null || fail "apt-get remove cascade"
[ ! -e /opt/cascade ] && [ ! -e /usr/bin/cascade ] || fail "files left after apt-get remove"
ok "$(basename "$deb"): apt-get install, /usr/bin/cascade --version = '$installed', self-check, apt-get remove"

human() { numfmt --to=iec --suffix=B --format="%.1f" "$1"; }
echo
echo "PACKAGING SMOKE PASSED in $(( $(date +%s) - started_all )) s: bundle $(du -sh "$bundle" | cut -f1)," \
  "tar.gz $(human "$(stat -c %s "$tarball")"), .deb $(human "$(stat -c %s "$deb")"), demo start-to-exit ${startup_ms} ms"
