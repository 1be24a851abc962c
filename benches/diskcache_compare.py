#!/usr/bin/env python3
"""Python's diskcache on the `disk_hit` workload of benches/tiers.rs: a hit of a function
memoized on disk with `@cache.memoize()`.

The same inputs as the Rust bench: 10 000 distinct u64 keys and a fixed pseudo-random order of
16 384 accesses over them (the same SplitMix64 seeds), the same body. The store (a
`diskcache.Cache`, SQLite underneath, in a fresh temporary directory) is pre-filled by calling
the function once per key; then every timed call is a hit, which the script checks (the body
never runs while timing). Prints JSON to stdout:

    {"python": "3.11.7", "implementation": "CPython", "diskcache": "5.6.3",
     "ns_per_call": {"disk_hit": ...}, "loop_ns": ..., "keys": 10000, "accesses": 16384}

A call's time is that of `for key in order: f(key)` divided by the number of calls, the median
of several repeats: the Python loop and call are part of what a Python caller pays. `loop_ns`
is the same loop calling the plain, uncached function, for reference.

Needs diskcache (`pip install diskcache`); without it the script says so and exits with 2.

    pip install diskcache
    python3 benches/diskcache_compare.py
"""

import json
import platform
import sys
import tempfile

from functools_compare import MASK, SEED, access_order, call_all, distinct_u64s, median_ns_per_call

try:
    import diskcache
except ImportError:
    print("diskcache is not installed: pip install diskcache", file=sys.stderr)
    sys.exit(2)

KEYS = 10_000
ACCESSES = 1 << 14
K = 0x9E37_79B9_7F4A_7C15


def u64_body(x):
    """The body of benches/contenders.rs: a wrapping multiply and a 17-bit left rotation."""
    x = (x * K) & MASK
    return ((x << 17) | (x >> 47)) & MASK


def bench_disk_hit(repeats):
    keys = distinct_u64s(KEYS, SEED ^ 0xD15C)
    order = [keys[i] for i in access_order(ACCESSES, KEYS, SEED ^ 0xACCE55)]
    runs = [0]
    with tempfile.TemporaryDirectory(prefix="memo-diskcache-") as directory:
        with diskcache.Cache(directory) as cache:

            @cache.memoize()
            def f(x):
                runs[0] += 1
                return u64_body(x)

            for key in keys:
                assert f(key) == u64_body(key)
            assert runs[0] == KEYS and len(cache) == KEYS, (runs[0], len(cache))
            ns = median_ns_per_call(lambda: call_all(f, order), len(order), repeats)
            assert runs[0] == KEYS, f"{runs[0] - KEYS} body runs while timing: expected only hits"
    return ns


def bench_loop(repeats):
    keys = distinct_u64s(KEYS, SEED ^ 0xD15C)
    order = [keys[i] for i in access_order(ACCESSES, KEYS, SEED ^ 0xACCE55)]
    return median_ns_per_call(lambda: call_all(u64_body, order), len(order), repeats)


def main():
    repeats = 7
    result = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "diskcache": diskcache.__version__,
        "ns_per_call": {"disk_hit": bench_disk_hit(repeats)},
        "loop_ns": bench_loop(repeats),
        "keys": KEYS,
        "accesses": ACCESSES,
    }
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
