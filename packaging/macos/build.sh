#!/usr/bin/env bash
# Builds Cascade.app and a .dmg on macOS 12+ (Apple silicon or Intel; the bundle matches the
# machine's architecture), optionally signed and notarised. Needs Xcode command line tools
# (xcode-select --install) and Python 3.12+ (python.org installer or `brew install python@3.12`).
#
#   packaging/macos/build.sh                               # unsigned: runs on this Mac only
#   CODESIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" \
#   NOTARY_PROFILE=cascade-notary packaging/macos/build.sh  # signed, notarised, stapled
#
# One-time notary set-up (an app-specific password from appleid.apple.com):
#   xcrun notarytool store-credentials cascade-notary --apple-id you@example.com --team-id TEAMID
# Outputs: packaging/dist/Cascade.app and packaging/dist/Cascade-VERSION-macos-ARCH.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname)" = Darwin ] || { echo "macOS only" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  python=$(command -v python3.13 || command -v python3.12) || { echo "needs Python >= 3.12" >&2; exit 1; }
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[package]"
version=$(.venv/bin/python -c 'import app; print(app.__version__)')  # the one version source
arch=$(uname -m)

# --- icon: .icns from the rendered PNGs (resources/icons, made by packaging/render_icons.py) -------
iconset=packaging/build/cascade.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
for size in 16 32 128 256 512; do
  cp "resources/icons/cascade-$size.png" "$iconset/icon_${size}x${size}.png"
  double=$((size * 2))
  if [ -f "resources/icons/cascade-$double.png" ]; then
    cp "resources/icons/cascade-$double.png" "$iconset/icon_${size}x${size}@2x.png"
  else  # 1024 px: scale up the 512 (sips ships with macOS)
    sips -z "$double" "$double" "resources/icons/cascade-$size.png" --out "$iconset/icon_${size}x${size}@2x.png" >/dev/null
  fi
done
iconutil -c icns -o packaging/build/cascade.icns "$iconset"

# --- Cascade.app (the spec's BUNDLE step writes Info.plist) -------------------------------------
.venv/bin/python -m PyInstaller --noconfirm --clean --distpath packaging/dist \
  --workpath packaging/build/work packaging/cascade.spec
app=packaging/dist/Cascade.app
plist="$app/Contents/Info.plist"
# App Nap would throttle timers while the window is hidden: heartbeats late, venues dropped.
[ "$(/usr/libexec/PlistBuddy -c 'Print :NSAppSleepDisabled' "$plist")" = true ] \
  || { echo "Info.plist lacks NSAppSleepDisabled" >&2; exit 1; }
[ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$plist")" = "$version" ]

# --- smoke checks of the frozen app ---------------------------------------------------------------
exe="$app/Contents/MacOS/cascade"
[ "$("$exe" --version)" = "cascade $version" ]
summary=$(QT_QPA_PLATFORM=offscreen "$exe" --demo --exit-after 10 | tail -1)
[[ "$summary" =~ ^cascade:\ liquidations\ shown\ binance=[0-9]+\ bybit=[0-9]+\ okx=[0-9]+$ ]] \
  || { echo "demo printed '$summary'" >&2; exit 1; }
# Keychain round-trip (macOS may ask once to allow access to the login keychain).
report=$("$exe" self-check --keyring-roundtrip)
echo "$report" | grep -q '"backend": "keyring.backends.macOS.Keyring"' || { echo "$report" >&2; exit 1; }
echo "$report" | grep -q '"roundtrip": "ok"' || { echo "$report" >&2; exit 1; }
echo "frozen app ok: $summary"

# --- signing: every Mach-O inside first, then the bundle (no --deep: Apple advises against it) ----
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  sign() { codesign --force --timestamp --options runtime --entitlements packaging/macos/entitlements.plist \
             --sign "$CODESIGN_IDENTITY" "$@"; }
  while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q 'Mach-O'; then sign "$file"; fi
  done < <(find "$app/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0)
  # Qt frameworks are bundles of their own: sign each as a whole after its contents.
  find "$app/Contents" -type d -name '*.framework' -print0 | while IFS= read -r -d '' fw; do sign "$fw"; done
  sign "$app"
  codesign --verify --strict --verbose=2 "$app"
fi

# --- .dmg: the app plus an /Applications link to drag it onto ---------------------------------------
dmg="packaging/dist/Cascade-$version-macos-$arch.dmg"
staging=packaging/build/dmg
rm -rf "$staging" "$dmg" && mkdir -p "$staging"
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "Cascade $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    # Apple scans the upload (minutes); the ticket is then stapled so Gatekeeper works offline.
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    xcrun stapler validate "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
  fi
fi
ls -lh "$dmg"
