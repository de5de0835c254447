#!/usr/bin/env bash
# Per-user install on Linux: a private virtualenv, the `assessor-app` and `assessor-cli`
# commands in ~/.local/bin, and a desktop menu entry. Run from a checkout or an unpacked
# release:  installer/install-linux.sh        Remove with:  installer/install-linux.sh --uninstall
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=${XDG_DATA_HOME:-$HOME/.local/share}/assessor-app
bin=$HOME/.local/bin
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$prefix" "$bin/assessor-app" "$bin/assessor-cli" "$apps/assessor.desktop" "$icons/assessor.svg"
  echo "Assessor removed. Your profiles and records were left where they are."
  exit 0
fi

python3 -m venv "$prefix/venv"
"$prefix/venv/bin/python" -m pip install -q --upgrade pip
"$prefix/venv/bin/python" -m pip install -q "$src"
rm -rf "$prefix/forms" && cp -r "$src/forms" "$prefix/forms"
mkdir -p "$bin" "$apps" "$icons"
for cmd in assessor-app assessor-cli; do
  # Wrappers, not links: they tell the app where the installed form definitions are.
  printf '#!/bin/sh\nASSESSOR_FORMS_DIR=%s exec %s "$@"\n' "$prefix/forms" "$prefix/venv/bin/$cmd" > "$bin/$cmd"
  chmod +x "$bin/$cmd"
done
cp "$src/resources/icons/assessor.svg" "$icons/assessor.svg"
cat > "$apps/assessor.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Assessor
Comment=Adult social care assessments, offline and encrypted
Exec=$bin/assessor-app
Icon=assessor
Categories=Office;
Terminal=false
DESKTOP
echo "Installed. Start Assessor from the menu, or run: assessor-app"
