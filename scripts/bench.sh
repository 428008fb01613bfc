#!/usr/bin/env bash
# make bench: the Go benchmarks of every stage, then `iamtailor ingest` end
# to end on a perfgen tree at 1 and 2 cores with gunzip alone over the same
# files in the same run; writes bench/results.md.
#
#   BENCH_SIZE  uncompressed bytes of the perfgen tree (default 1000000000)
#   BENCH_RUNS  repetitions of each end-to-end measurement (default 3)
#   BENCH_PROCS core counts to run at (default 1,2)
#
# The tree is generated once by ../shared/perfgen and cached outside the
# repository, in ${XDG_CACHE_HOME:-~/.cache}/iamtailor/.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
GO=${GO:-go}
size=${BENCH_SIZE:-1000000000}
runs=${BENCH_RUNS:-3}
procs=${BENCH_PROCS:-1,2}
shared="$root/../shared"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/iamtailor"
tree="$cache/perfgen-$size-seed1"

if [ ! -d "$shared/perfgen" ]; then
  echo "bench: $shared/perfgen not found: clone shared/ beside the repository" >&2
  exit 1
fi
if [ ! -d "$tree" ]; then
  echo "bench: generating a perfgen tree of $size bytes in $tree (once)"
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.perfgen-$size-XXXXXX")
  (cd "$shared/perfgen" && "$GO" run . -out "$tmp" -size "$size" -seed 1)
  mv "$tmp" "$tree"
fi

[ -x bin/iamtailor ] || make --no-print-directory build
work=$(mktemp -d "${TMPDIR:-/tmp}/iamtailor-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$GO" build -o "$work/benchtool" ./scripts/benchtool

echo "bench: machine load before: $(uptime)"
gobench="$work/go-bench.txt"
: >"$gobench"
# bench PKG REGEXP BENCHTIME: one core, a fixed number of iterations, three
# times (the report takes the median).
bench() {
  echo "bench: go test $1 -bench '$2' -benchtime $3"
  local out="$work/go-test.txt"
  if ! IAMTAILOR_PERFGEN_SIZE=$size "$GO" test -run '^$' -bench "$2" -benchtime "$3" -count 3 -cpu 1 "$1" >"$out" 2>&1; then
    cat "$out" >&2
    echo "bench: go test $1 failed" >&2
    exit 1
  fi
  cat "$out" >>"$gobench"
  grep -E '^Benchmark' "$out" || true
}
bench ./ingest '^Benchmark(DecodeGunzip|DecodeFillRow)$' 2x
bench ./ingest '^BenchmarkAggregate$' 5x
bench ./ingest/store '^BenchmarkTableAdd$' 1000000x
bench ./ingest/store '^BenchmarkCommit$' 3x
bench ./analyze '^BenchmarkMap$' 1000000x
bench ./generate '^BenchmarkGenerate$' 2x
bench ./analyze/catalog '^BenchmarkLoad$' 1000x

# Where the time of an ingest goes: the same pipeline in process, profiled.
echo "bench: profile of the pipeline at one core"
IAMTAILOR_PERFGEN_SIZE=$size "$GO" test -run '^$' -bench '^BenchmarkIngest$' -benchtime 3x -cpu 1 \
  -cpuprofile "$work/ingest.prof" -o "$work/ingest.test" ./ingest >"$work/go-test.txt" 2>&1 || { cat "$work/go-test.txt" >&2; exit 1; }
"$GO" tool pprof -top -cum -nodecount=100000 -nodefraction=0 -edgefraction=0 "$work/ingest.test" "$work/ingest.prof" >"$work/prof-all.txt" 2>/dev/null
"$GO" tool pprof -top -cum -nodecount=100000 -nodefraction=0 -edgefraction=0 -ignore 'loadPerfgen' "$work/ingest.test" "$work/ingest.prof" >"$work/prof.txt" 2>/dev/null

echo "bench: iamtailor ingest end to end at $procs core(s), $runs runs each"
"$work/benchtool" e2e -bin bin/iamtailor -tree "$tree" -procs "$procs" -runs "$runs" -work "$work" -o "$work/e2e.json"

mkdir -p bench
"$work/benchtool" report -e2e "$work/e2e.json" -go "$gobench" -prof "$work/prof.txt" -prof-all "$work/prof-all.txt" \
  -go-version "$("$GO" env GOVERSION)" \
  -commit "$(git describe --always --dirty 2>/dev/null || echo unknown)" \
  -size "$size" -o bench/results.md
echo "bench: machine load after: $(uptime)"
echo "bench: wrote bench/results.md"
sed -n '/^## Targets/,/^## End/p' bench/results.md | sed '$d'
