#!/usr/bin/env bash
# make demo: generate least-privilege policies from the project's sample
# CloudTrail logs (testdata/logs, and testdata/demo for an S3 prefix
# collapse) into demo-out/, and say where they are. Needs only bin/iamtailor,
# which `make demo` builds first; no AWS account and no network.
set -euo pipefail

cd "$(dirname "$0")/.."
bin=bin/iamtailor
out=demo-out

if [[ ! -x $bin ]]; then
  echo "demo: $bin not found: run make demo (it builds it)" >&2
  exit 1
fi

# Recreated on every run, so that it shows this run only.
rm -rf "$out"
echo "\$ $bin generate testdata/logs testdata/demo --out $out"
"$bin" generate testdata/logs testdata/demo --out "$out"

echo
echo "Outputs:"
echo "  $out/summary.json   what was observed, denied, widened, and why a principal got no policy"
policies=()
while IFS= read -r f; do
  policies+=("$f")
  echo "  $f"
done < <(find "$out" -type f \( -name '*.json' -o -name '*.tf' \) ! -path "$out/summary.json" | LC_ALL=C sort)

principals=$(sed -n 's/^    "principals": \([0-9][0-9]*\),\{0,1\}$/\1/p' "$out/summary.json")
echo
echo "demo: ${#policies[@]} policy files for ${principals:-?} principals in $out/ (summary.json says why the others got none)"
echo "Try: cat $out/111122223333/role/report-builder.json   # 24 objects collapsed to exports/2024/06/02/*"
echo "     cat $out/111122223333/user/deploy-bot.json       # iam:PassRole for the role its Lambda function runs as"
