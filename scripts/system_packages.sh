#!/usr/bin/env bash
# Debian packages Gita Tales uses: chromium (browser tests), espeak-ng (Hindi and Sanskrit voice),
# the colour emoji font (so the pages' icons show in the browser screenshots).
# Installed only where missing and only as root; otherwise says what to run and carries on.
set -u
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Note: ${missing[*]} not installed and this is not a root Debian machine."
  echo "      Install them with: sudo apt-get install ${missing[*]}"
  echo "      (browser tests are skipped and Hindi narration is off until then)."
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "Warning: apt-get could not install ${missing[*]}; browser tests and Hindi narration need them."
