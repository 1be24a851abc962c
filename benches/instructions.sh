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
printf '%-20s %s\n' workload instructions/call
for workload in hit_u64 hit_str miss_evict hit_single_flight hit_key_expr hit_ttl hit_read_hits miss_evict_read_hits; do
  few=$(count "$workload" 200000)
  many=$(count "$workload" 1200000)
  awk -v w="$workload" -v a="$few" -v b="$many" 'BEGIN { printf "%-20s %.1f\n", w, (b - a) / 1000000 }'
done
