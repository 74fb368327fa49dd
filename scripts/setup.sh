#!/usr/bin/env bash
# Installs what the project needs on a Debian 12 machine with Node 20: the Debian packages
# (swtpm, swtpm-tools, tpm2-tools and the tools the tests use) when missing, and the npm
# packages from the lock file when node_modules does not match it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have swtpm || need_pkgs+=(swtpm)
have swtpm_setup || need_pkgs+=(swtpm-tools)
have tpm2_nvread || need_pkgs+=(tpm2-tools)
have openssl || need_pkgs+=(openssl)
have lp || need_pkgs+=(cups-client) # ztp print: lp, lpstat
# better-sqlite3 builds from source on Node 20 (node-gyp: python3, make, a C++ compiler).
have python3 || need_pkgs+=(python3)
have make || need_pkgs+=(make)
have g++ || need_pkgs+=(g++)
if [ "${ZTP_SETUP_EXTRA:-}" != "" ]; then
  for p in $ZTP_SETUP_EXTRA; do dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p"); done
fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_pkgs[*]}"
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then
    if have sudo; then sudo_cmd=(sudo); else
      echo "setup: need root or sudo to install ${need_pkgs[*]}; install them and run again." >&2
      exit 1
    fi
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

stamp=node_modules/.ztp-install-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (building better-sqlite3 takes about 2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
