#!/usr/bin/env bash
# Follows the README's "Installing" steps outside the clone: installs this (built) checkout into a
# throwaway global prefix, then runs `hk8s --version`, `hk8s init` and `hk8s validate` in an empty
# directory with only that prefix's bin on PATH. Run after `npm run build`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm install -g --prefix "$work/prefix" "$repo" --no-audit --no-fund --loglevel=error >/dev/null
mkdir "$work/empty"
cd "$work/empty"
export PATH="$work/prefix/bin:$(dirname "$(command -v node)")"
hk8s --version
hk8s init --name install-check >/dev/null
hk8s validate >/dev/null
for f in hk8s.yaml hk8s.schema.json .gitignore; do
  [ -f "$f" ] || { echo "check-install: hk8s init wrote no $f" >&2; exit 1; }
done
echo "check-install: hk8s installed outside the clone runs --version, init and validate"
