#!/usr/bin/env bash
# Instructions per call on memo's paths (benches/instructions.rs), counted by callgrind:
# (instructions of 1.2M calls - instructions of 200k calls) / 1M, so that set-up cancels out.
# Needs valgrind. Usage: bash benches/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p memo-benches --bench instructions --no-run -q 2>/dev/null
bin=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 >/dev/null |
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'; }
printf '%-24s %s\n' workload instructions/call
# memo's paths, then the other contenders' hits and misses (`compare`'s `hit_u64` and `miss_evict`).
others=$(for group in hit_u64 miss_evict; do for c in floor lru quick_cache cached memoize; do echo "$group:$c"; done; done)
for workload in hit_u64 hit_str miss_evict hit_single_flight hit_key_expr hit_ttl hit_read_hits miss_evict_read_hits $others; do
  few=$(count "$workload" 200000)
  many=$(count "$workload" 1200000)
  awk -v w="$workload" -v a="$few" -v b="$many" 'BEGIN { printf "%-24s %.1f\n", w, (b - a) / 1000000 }'
done
