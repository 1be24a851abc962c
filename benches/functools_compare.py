#!/usr/bin/env python3
"""CPython's functools.lru_cache on the workloads of benches/compare.rs and benches/memory.rs.

Same inputs as the Rust benches (the same SplitMix64 seeds, keys and access orders), the same
kind of trivial body, and the same capacities. Prints JSON to stdout:

    {"python": "3.11.7", "ns_per_call": {"hit_u64": ..., "hit_str": ..., "miss_evict": ...,
     "large_mixed": ...}, "loop_ns": ..., "memory": {"filled_bytes_per_entry": ...,
     "churned_bytes_per_entry": ...}}

A call's time is that of `for key in keys: f(key)` divided by the number of calls: the Python
loop and call are part of what a Python caller pays, as the Rust loop is part of criterion's
numbers (there it is about a nanosecond). `loop_ns` is the same loop calling an uncached
function with the same body, for reference. Each number is the median of several repeats.

Memory: tracemalloc's traced bytes held by a maxsize=100_000 cache of int -> int, after filling
it with 100_000 keys and after 1_000_000 further new keys, per entry. This counts the key and
value int objects the cache keeps alive (Rust's u64 entries hold them inline).

    python3 benches/functools_compare.py
"""

import functools
import json
import platform
import statistics
import sys
import time
import tracemalloc

CAP = 256
ACCESSES = 4096
LARGE_CAP = 100_000
LARGE_RANGE = 200_000
LARGE_ACCESSES = 1 << 20
SEED = 0x5EED_F00D_CAFE_D00D
MASK = (1 << 64) - 1
K = 0x9E37_79B9_7F4A_7C15
MEMORY_ENTRIES = 100_000
MEMORY_CHURN = 1_000_000


class SplitMix64:
    """The generator of benches/contenders.rs, bit for bit."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E37_79B9_7F4A_7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & MASK
        return z ^ (z >> 31)


def distinct_u64s(n, seed):
    rng = SplitMix64(seed)
    keys = [rng.next() for _ in range(n)]
    assert len(set(keys)) == n
    return keys


def access_order(length, n, seed):
    rng = SplitMix64(seed)
    return [rng.next() % n for _ in range(length)]


def str_keys():
    keys = [f"user:{x:016x}:{i % 100:02}" for i, x in enumerate(distinct_u64s(CAP, SEED ^ 0x57))]
    assert all(len(k) == 24 for k in keys)
    return keys


def body(x):
    """The trivial body (one operation; the Rust one is a multiply and a rotate)."""
    return x ^ K


def str_body(s):
    return len(s)


def median_ns_per_call(run, calls, repeats):
    """Median over `repeats` runs of `run()` (which makes `calls` calls), in ns per call."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        run()
        times.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(times)


def call_all(f, keys):
    for key in keys:
        f(key)


def bench_hit_u64(repeats):
    keys = distinct_u64s(CAP, SEED)
    order = [keys[i] for i in access_order(ACCESSES, CAP, SEED ^ 0xACCE55)] * 64
    f = functools.lru_cache(maxsize=CAP)(body)
    call_all(f, keys)
    ns = median_ns_per_call(lambda: call_all(f, order), len(order), repeats)
    info = f.cache_info()
    assert (info.misses, info.currsize, info.hits) == (CAP, CAP, repeats * len(order)), info
    return ns


def bench_hit_str(repeats):
    keys = str_keys()
    order = [keys[i] for i in access_order(ACCESSES, CAP, SEED ^ 0xACCE55)] * 64
    f = functools.lru_cache(maxsize=CAP)(str_body)
    call_all(f, keys)
    ns = median_ns_per_call(lambda: call_all(f, order), len(order), repeats)
    info = f.cache_info()
    assert (info.misses, info.currsize, info.hits) == (CAP, CAP, repeats * len(order)), info
    return ns


def bench_miss_evict(repeats):
    f = functools.lru_cache(maxsize=CAP)(body)
    call_all(f, range(CAP))
    calls = 1 << 18
    next_key = [CAP]

    def run():
        start = next_key[0]
        call_all(f, range(start, start + calls))
        next_key[0] = start + calls

    ns = median_ns_per_call(run, calls, repeats)
    info = f.cache_info()
    assert (info.hits, info.currsize) == (0, CAP), info
    return ns


def bench_large_mixed(repeats):
    rng = SplitMix64(SEED ^ 0x1A26E)
    order = [rng.next() % LARGE_RANGE for _ in range(LARGE_ACCESSES)]
    f = functools.lru_cache(maxsize=LARGE_CAP)(body)
    call_all(f, order)  # warm: once through the sequence
    before = f.cache_info()
    ns = median_ns_per_call(lambda: call_all(f, order), len(order), repeats)
    after = f.cache_info()
    calls = after.hits + after.misses - before.hits - before.misses
    miss_share = (after.misses - before.misses) / calls
    assert 0.4 <= miss_share <= 0.6, miss_share
    assert after.currsize == LARGE_CAP
    return ns


def bench_loop(repeats):
    keys = distinct_u64s(CAP, SEED)
    order = [keys[i] for i in access_order(ACCESSES, CAP, SEED ^ 0xACCE55)] * 64
    return median_ns_per_call(lambda: call_all(body, order), len(order), repeats)


def memory():
    """Bytes per entry held by a full maxsize=100_000 cache, filled and after churn."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    f = functools.lru_cache(maxsize=MEMORY_ENTRIES)(body)
    for key in range(MEMORY_ENTRIES):
        f(key)
    filled = tracemalloc.get_traced_memory()[0] - base
    assert f.cache_info().currsize == MEMORY_ENTRIES
    for key in range(MEMORY_ENTRIES, MEMORY_ENTRIES + MEMORY_CHURN):
        f(key)
    churned = tracemalloc.get_traced_memory()[0] - base
    assert f.cache_info().currsize == MEMORY_ENTRIES
    tracemalloc.stop()
    return {
        "filled_bytes_per_entry": filled / MEMORY_ENTRIES,
        "churned_bytes_per_entry": churned / MEMORY_ENTRIES,
    }


def main():
    repeats = 7
    result = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "ns_per_call": {
            "hit_u64": bench_hit_u64(repeats),
            "hit_str": bench_hit_str(repeats),
            "miss_evict": bench_miss_evict(repeats),
            "large_mixed": bench_large_mixed(5),
        },
        "loop_ns": bench_loop(repeats),
        "memory": memory(),
    }
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
