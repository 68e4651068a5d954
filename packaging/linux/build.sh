#!/usr/bin/env bash
# Builds Cascade for Linux from this checkout: the PyInstaller one-folder bundle, a tarball and a .deb.
#
#   packaging/linux/build.sh            # needs .venv from packaging/install.sh; adds the `package` extra
#
# Outputs, in packaging/dist/:
#   cascade/                                  the one-folder bundle (run ./cascade)
#   cascade-VERSION-linux-ARCH.tar.gz         that folder as cascade-VERSION/
#   cascade_VERSION_DEBARCH.deb               /opt/cascade, /usr/bin/cascade, .desktop entry, hicolor icons
# and prints the figures packaging/README.md quotes (sizes, build times).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
py=.venv/bin/python
dist=packaging/dist
work=packaging/build

[ -x "$py" ] || { echo "no .venv: run packaging/install.sh first" >&2; exit 1; }
if ! "$py" -c 'import PyInstaller, certifi' 2>/dev/null; then
  echo "Installing the package extra (PyInstaller, certifi) into .venv"
  "$py" -m pip install -q -e ".[package]"
fi
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is needed to build the .deb" >&2; exit 1; }
command -v objdump >/dev/null || { echo "PyInstaller needs binutils (apt-get install binutils)" >&2; exit 1; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed_s() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }

version=$("$py" -c 'import app; print(app.__version__)')  # the one version source
arch=$(uname -m)
debarch=$(dpkg --print-architecture)

# --- one-folder bundle ---------------------------------------------------------------------------
started=$(now_ms)
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work/work" packaging/cascade.spec
bundle_seconds=$(elapsed_s "$started")
bundle="$dist/cascade"
[ -x "$bundle/cascade" ] || { echo "PyInstaller produced no $bundle/cascade" >&2; exit 1; }

# --- tarball ---------------------------------------------------------------------------------------
started=$(now_ms)
tarball="$dist/cascade-$version-linux-$arch.tar.gz"
tar -C "$dist" --owner=0 --group=0 --numeric-owner \
  --transform "s,^cascade,cascade-$version," -czf "$tarball" cascade
tar_seconds=$(elapsed_s "$started")

# --- .deb ------------------------------------------------------------------------------------------
started=$(now_ms)
root="$work/deb/cascade_${version}_$debarch"
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/doc/cascade"
cp -a "$bundle" "$root/opt/cascade"
# PyInstaller's bootloader finds _internal/ through /proc/self/exe, so a symlink on PATH works.
ln -s /opt/cascade/cascade "$root/usr/bin/cascade"
install -m 644 packaging/linux/cascade.desktop "$root/usr/share/applications/cascade.desktop"
install -m 644 resources/icons/cascade.svg "$root/usr/share/icons/hicolor/scalable/apps/cascade.svg"
for png in resources/icons/cascade-*.png; do
  size=$(basename "$png" .png); size=${size#cascade-}
  install -D -m 644 "$png" "$root/usr/share/icons/hicolor/${size}x${size}/apps/cascade.png"
done
cat > "$root/usr/share/doc/cascade/copyright" <<EOF
Cascade $version. Bundles Python, Qt for Python (PySide6, LGPLv3), pyqtgraph, qasync, websockets,
keyring, msgspec, numpy, cryptography and certifi's CA list under their own licences; see
/opt/cascade/_internal/*.dist-info.
EOF
find "$root" -type d -exec chmod 755 {} +
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

# Qt loads these from the system (PyInstaller never bundles libGL/libEGL, and the X and font
# stack must match the user's). The list follows resources/docs/desktop-stack.md (offscreen + xcb), plus the
# Wayland client libraries the bundled wayland platform plugin links (found with ldd).
depends="libc6, libegl1, libgl1, libopengl0, libfontconfig1, libfreetype6, libxkbcommon0, libglib2.0-0,
 libdbus-1-3, libxcb1, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1,
 libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libxcb-xkb1, libxcb-xfixes0,
 libx11-xcb1, libx11-6, libwayland-client0, libwayland-cursor0, libwayland-egl1"
cat > "$root/DEBIAN/control" <<EOF
Package: cascade
Version: $version
Section: misc
Priority: optional
Architecture: $debarch
Maintainer: Cascade maintainers <maintainers@cascade.invalid>
Installed-Size: $installed_kb
Depends: $(echo "$depends" | tr -d '\n')
Recommends: ca-certificates, fonts-dejavu-core | fonts-liberation2, dbus-user-session, gnome-keyring | kwalletmanager
Description: desktop trading-risk monitor for crypto derivatives
 Cascade shows a live tape of forced liquidations from the major derivatives
 venues with rolling totals, your own leveraged positions with their distance
 to liquidation, and a macro strip (JGB yields, scheduled events).
 API keys are kept only in the system keyring (Secret Service).
 .
 \`cascade --demo\` replays a bundled reconstruction of the 2026-01-20 cascade
 offline.
EOF
deb="$dist/cascade_${version}_$debarch.deb"
# xz at level 6 (dpkg's default codec) halves the download; --root-owner-group: files owned by root.
dpkg-deb --root-owner-group -Zxz -z6 --build "$root" "$deb" >/dev/null
deb_seconds=$(elapsed_s "$started")

human() { numfmt --to=iec --suffix=B --format="%.1f" "$1"; }
echo "cascade $version built:"
printf '  %-48s %s on disk (%s files), PyInstaller %s s\n' "$bundle/" \
  "$(human $(( $(du -sk "$bundle" | cut -f1) * 1024 )))" "$(find "$bundle" -type f | wc -l)" "$bundle_seconds"
printf '  %-48s %s, %s s\n' "$tarball" "$(human "$(stat -c %s "$tarball")")" "$tar_seconds"
printf '  %-48s %s, %s s\n' "$deb" "$(human "$(stat -c %s "$deb")")" "$deb_seconds"
echo "  ($repo)"
