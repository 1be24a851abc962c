#!/usr/bin/env python3
"""The whole comparison of issue 3 as one table, and a chart of it (standard library only).

Reads
  - criterion's medians: target/criterion/compare_<workload>/<contender>/new/estimates.json
    (from `cargo bench -p memo-benches --bench compare`),
  - target/memo-memory.json (from `cargo bench -p memo-benches --bench memory`),
  - CPython's functools.lru_cache numbers: runs benches/functools_compare.py and keeps its
    output in target/functools-compare.json (`--reuse-python` reads that file instead),
and prints one markdown table (rows: workloads; columns: contenders; for each workload the
median, then the ratio to memo and to the floor), followed by the issue's targets, met or
missed. Writes the same to docs/benchmarks.md and a chart of the ratios to docs/benchmarks.svg.

Then the shared tiers, as a second table with its own targets, when their results exist:
  - criterion's medians: target/criterion/{disk_hit,redis_hit}/<contender>/new/estimates.json
    (from `cargo bench -p memo-benches --bench tiers`),
  - target/memo-tiers.json (the same bench's interleaved ratios, memo ÷ each baseline),
  - Python diskcache's `@cache.memoize()` hit: runs benches/diskcache_compare.py and keeps its
    output in target/diskcache-compare.json (`--reuse-python` reads that file instead); left
    out, with a note, where diskcache is not installed.

    python3 benches/report.py [--reuse-python]
"""

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
DOCS = ROOT / "docs"

CONTENDERS = ["memo", "memo_sharded", "memo_read_hits", "cached", "memoize", "lru", "moka", "quick_cache", "floor", "functools"]
TIME_GROUPS = ["hit_u64", "hit_str", "miss_evict", "large_mixed", "two_threads"]
SHARED_CACHES = ["cached", "memoize", "lru", "moka", "quick_cache"]  # the hit_u64 target's "every other"
COLORS = {
    "memo": "#c0392b",
    "memo_sharded": "#e67e22",
    "memo_read_hits": "#f1948a",
    "cached": "#2e86c1",
    "memoize": "#8e44ad",
    "lru": "#27ae60",
    "moka": "#7f5539",
    "quick_cache": "#16a085",
    "floor": "#7f8c8d",
    "functools": "#d4ac0d",
}


def criterion_median(group, contender, prefix="compare_"):
    """Criterion's median estimate in ns, or None if the benchmark was not run."""
    path = TARGET / "criterion" / f"{prefix}{group}" / contender / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def python_numbers(reuse):
    path = TARGET / "functools-compare.json"
    if reuse and path.exists():
        return json.loads(path.read_text())
    script = ROOT / "benches" / "functools_compare.py"
    out = subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True).stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out)
    return json.loads(out)


def collect(reuse_python):
    """rows: list of (workload, unit, {contender: value}); plus the one-thread references of
    memo's modes ({contender: ns/call})."""
    py = python_numbers(reuse_python)
    memory_path = TARGET / "memo-memory.json"
    if not memory_path.exists():
        sys.exit(f"{memory_path} is missing: run `cargo bench -p memo-benches --bench memory` first")
    memory = json.loads(memory_path.read_text())["contenders"]

    rows = []
    for group in TIME_GROUPS:
        values = {c: criterion_median(group, c) for c in CONTENDERS if c != "functools"}
        values["functools"] = py["ns_per_call"].get(group)
        values = {c: v for c, v in values.items() if v is not None}
        if not values:
            sys.exit(f"no criterion results for {group}: run `cargo bench -p memo-benches --bench compare`")
        rows.append((group, "ns/call", values))
    one_thread = {
        name: value
        for name, bench in (("memo", "one_thread"), ("memo_read_hits", "one_thread_read_hits"))
        if (value := criterion_median("two_threads", bench)) is not None
    }

    for phase, py_key in (("filled", "filled_bytes_per_entry"), ("churned", "churned_bytes_per_entry")):
        values = {c: m[f"{phase}_bytes"] / m[f"{phase}_len"] for c, m in memory.items()}
        values["functools"] = py["memory"][py_key]
        rows.append((f"memory_{phase}", "bytes/entry", values))
    allocs = {c: m["str_hit_allocs"] for c, m in memory.items()}
    return rows, one_thread, allocs, py


def fmt(value, unit):
    if value is None:
        return "–"
    if unit == "ns/call":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if unit == "allocs":
        return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"
    return f"{value:.1f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def table(rows, one_thread, allocs):
    columns = [c for c in CONTENDERS if any(c in values for _, _, values in rows)]
    lines = [
        "| workload | | " + " | ".join(columns) + " |",
        "|---|---|" + "---:|" * len(columns),
    ]
    for workload, unit, values in rows:
        memo, floor = values.get("memo"), values.get("floor")
        lines.append(f"| `{workload}` | {unit} | " + " | ".join(fmt(values.get(c), unit) for c in columns) + " |")
        for label, base in (("÷ memo", memo), ("÷ floor", floor)):
            cells = [ratio(values.get(c), base) for c in columns]
            lines.append(f"| | {label} | " + " | ".join("–" if r is None else f"{r:.2f}×" for r in cells) + " |")
        if workload == "two_threads" and one_thread:
            cells = [fmt(one_thread[c], unit) if c in one_thread else "–" for c in columns]
            lines.append("| | the same on one thread, ns/call | " + " | ".join(cells) + " |")
    cells = [fmt(allocs.get(c), "allocs") if c in allocs else "–" for c in columns]
    lines.append("| `hit_str` | allocations per hit | " + " | ".join(cells) + " |")
    return "\n".join(lines), columns


def targets(rows, one_thread, allocs):
    """The issue's targets, each (text, met, detail)."""
    by = {workload: values for workload, _, values in rows}
    out = []

    def check(text, value, limit, detail_fmt="{:.3f}×"):
        if value is None:
            out.append((text, None, "not measured"))
        else:
            out.append((text, value <= limit, detail_fmt.format(value)))

    hit = by["hit_u64"]
    check("hit `u64`: at most 1.15× the floor", ratio(hit.get("memo"), hit.get("floor")), 1.15)
    others = {c: hit[c] for c in SHARED_CACHES if c in hit}
    fastest = min(others, key=others.get)
    out.append(
        (
            "hit `u64`: faster than every other shared-cache contender",
            hit["memo"] < others[fastest],
            f"memo {hit['memo']:.1f} ns, fastest other {fastest} {others[fastest]:.1f} ns",
        )
    )
    hs = by["hit_str"]
    check("hit `&str`: at most 1.25× the floor", ratio(hs.get("memo"), hs.get("floor")), 1.25)
    check("hit `&str`: zero heap allocations per hit", allocs.get("memo"), 0, "{:.2f} per hit")
    me = by["miss_evict"]
    check("miss + evict: at most 0.8× the hand-written `Mutex<lru::LruCache>`", ratio(me.get("memo"), me.get("lru")), 0.8)
    lm = by["large_mixed"]
    check("large, mixed: at most 0.75× `cached`", ratio(lm.get("memo"), lm.get("cached")), 0.75)
    tt = by["two_threads"]
    for name in ("memo", "memo_sharded", "memo_read_hits"):
        if name in tt:
            check(f"two threads ({name}): at most 0.75× the hand-written mutex", ratio(tt[name], tt.get("lru")), 0.75)
            reference = "memo_read_hits" if name == "memo_read_hits" else "memo"
            check(
                f"two threads ({name}): no slower per call than one thread",
                ratio(tt[name], one_thread.get(reference)),
                1.0,
                "{:.3f}× " + reference + " on one thread",
            )
    for phase in ("filled", "churned"):
        check(
            f"memory ({phase}): at most 40 bytes per `u64 -> u64` entry",
            by[f"memory_{phase}"].get("memo"),
            40,
            "{:.1f} bytes",
        )
    return out


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


# ---------------------------------------------------------------------------------------------
# The chart: for each workload, one horizontal bar per contender, its ratio to memo on a log
# scale, drawn from the 1× line (left: faster or smaller than memo; right: slower or larger).

LOG_MIN, LOG_MAX = -2, 6  # 1/4× .. 64×


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(rows, columns, py, one_thread):
    bar_h, gap, group_gap = 16, 4, 34
    left, plot_w, right = 150, 560, 200
    top = 92
    width = left + plot_w + right

    def x_of(r):
        lg = min(max(math.log2(r), LOG_MIN), LOG_MAX)
        return left + (lg - LOG_MIN) / (LOG_MAX - LOG_MIN) * plot_w

    titles = {
        "hit_u64": "hit, u64 key (256 entries)",
        "hit_str": "hit, &str key (256 entries)",
        "miss_evict": "miss + evict (256 entries)",
        "large_mixed": "large, mixed (100 000 entries, ~half hits)",
        "two_threads": "two threads, hits (aggregate per call)",
        "memory_filled": "memory per entry, 100 000 entries",
        "memory_churned": "memory per entry, after 1 000 000 more keys",
    }
    body = []
    spans = []  # each group's bars, top to bottom: the grid is drawn across them only
    y = top
    for workload, unit, values in rows:
        memo = values.get("memo")
        bars = [(c, c, values[c]) for c in columns if c in values]
        if workload == "two_threads":
            for name, value in one_thread.items():
                at = next((i + 1 for i, bar in enumerate(bars) if bar[0] == name), len(bars))
                bars.insert(at, (f"{name}, one thread", name, value))
        body.append(f'<text x="{left - 140}" y="{y + 12}" class="group">{esc(titles.get(workload, workload))}</text>')
        y += 20
        span_top = y - gap
        for name, c, v in bars:
            r = v / memo
            x0, x1 = x_of(1.0), x_of(r)
            lo, hi = min(x0, x1), max(x0, x1)
            clipped = math.log2(r) > LOG_MAX or math.log2(r) < LOG_MIN
            suffix = " ns" if unit == "ns/call" else " B"
            label = f"{fmt(v, unit)}{suffix} · {r:.2f}×" + (" (off scale)" if clipped else "")
            body.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" class="name">{esc(name)}</text>')
            if name == "memo":
                body.append(f'<rect x="{x0 - 2:.1f}" y="{y}" width="4" height="{bar_h}" fill="{COLORS[c]}"/>')
            else:
                opacity = "0.45" if name != c else "1"
                body.append(
                    f'<rect x="{lo:.1f}" y="{y}" width="{max(hi - lo, 1):.1f}" height="{bar_h}" '
                    f'fill="{COLORS[c]}" fill-opacity="{opacity}"/>'
                )
            tx = max(x1, x0) + 6
            body.append(f'<text x="{tx:.1f}" y="{y + bar_h - 4}" class="value">{esc(label)}</text>')
            y += bar_h + gap
        spans.append((span_top, y))
        y += group_gap - gap
    height = y + 40

    grid = []
    for e in range(LOG_MIN, LOG_MAX + 1):
        gx = x_of(2.0**e)
        label = f"{2 ** e:g}×" if e >= 0 else f"1/{2 ** -e}×"
        cls = "axis1" if e == 0 else "grid"
        for y0, y1 in spans:
            grid.append(f'<line x1="{gx:.1f}" y1="{y0}" x2="{gx:.1f}" y2="{y1}" class="{cls}"/>')
        grid.append(f'<text x="{gx:.1f}" y="{top - 6}" class="tick">{label}</text>')
        grid.append(f'<text x="{gx:.1f}" y="{y - group_gap + 16}" class="tick">{label}</text>')

    title = "memo and the alternatives: each contender's median relative to memo (log scale)"
    sub = (
        f"Left of the 1× line: faster (or smaller) than memo; right: slower (or larger). "
        f"{machine()}; CPython {py.get('python', '?')} for functools."
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
            "<style>",
            "  .title { font-size: 16px; font-weight: bold; fill: #222; }",
            "  .sub { font-size: 11px; fill: #555; }",
            "  .group { font-size: 13px; font-weight: bold; fill: #222; }",
            "  .name { font-size: 11px; fill: #333; text-anchor: end; }",
            "  .value { font-size: 11px; fill: #333; }",
            "  .tick { font-size: 10px; fill: #666; text-anchor: middle; }",
            "  .grid { stroke: #e3e3e3; stroke-width: 1; }",
            "  .axis1 { stroke: #444; stroke-width: 1.2; }",
            "</style>",
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<text x="10" y="24" class="title">{esc(title)}</text>',
            f'<text x="10" y="44" class="sub">{esc(sub)}</text>',
            *grid,
            *body,
            "</svg>",
            "",
        ]
    )


# ---------------------------------------------------------------------------------------------
# The shared tiers (`cargo bench -p memo-benches --bench tiers`, benches/diskcache_compare.py):
# a second table, rows are contenders, each group's ratios to memo's shared-tier hit.

TIER_ROWS = [
    ("disk_hit", "memo", "memo: disk-tier hit (`#[lru_cache(maxsize = 0, disk)]`)"),
    ("disk_hit", "raw_sqlite", "raw SQLite read of the same bytes (one prepared `SELECT`)"),
    ("disk_hit", "cached", "cached 4 disk store (`#[concurrent_cached(disk = true)]`, redb)"),
    ("disk_hit", "diskcache", "Python diskcache `@cache.memoize()` hit"),
    ("disk_hit", "memo_in_process", "memo: in-process hit (`#[lru_cache(maxsize = 256)]`), for scale"),
    ("redis_hit", "memo", "memo: Redis-tier hit (`#[lru_cache(maxsize = 0, redis)]`)"),
    ("redis_hit", "raw_get", "raw `GET` of the same key on one connection"),
]


def diskcache_numbers(reuse):
    """benches/diskcache_compare.py's output, or None where diskcache is not installed."""
    path = TARGET / "diskcache-compare.json"
    if reuse and path.exists():
        return json.loads(path.read_text())
    script = ROOT / "benches" / "diskcache_compare.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    if done.returncode == 2:
        print(f"diskcache_compare.py: {done.stderr.strip()}", file=sys.stderr)
        return None
    if done.returncode != 0:
        sys.exit(f"diskcache_compare.py failed:\n{done.stderr}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(done.stdout)
    return json.loads(done.stdout)


def collect_tiers(reuse_python):
    """{group: {contender: ns}} of the tiers bench (None if it has not run), and diskcache's output."""
    values = {}
    for group, contender, _ in TIER_ROWS:
        if contender != "diskcache":
            median = criterion_median(group, contender, prefix="")
            if median is not None:
                values.setdefault(group, {})[contender] = median
    if not values:
        return None, None
    dc = diskcache_numbers(reuse_python)
    if dc is not None and "disk_hit" in values:
        values["disk_hit"]["diskcache"] = dc["ns_per_call"]["disk_hit"]
    return values, dc


def tier_ratio(r):
    """A ratio to memo's shared-tier hit; those far below 1 as fractions (1/24×)."""
    if r is None:
        return "–"
    return f"{r:.2f}×" if r >= 0.1 else f"1/{1 / r:.0f}×"


def tier_table(values):
    lines = [
        "| group | contender | median, ns/call | ÷ memo's shared-tier hit |",
        "|---|---|---:|---:|",
    ]
    shown = set()
    for group, contender, label in TIER_ROWS:
        value = values.get(group, {}).get(contender)
        if value is None:
            continue
        r = ratio(value, values[group].get("memo"))
        first = f"`{group}`" if group not in shown else ""
        shown.add(group)
        lines.append(f"| {first} | {label} | {fmt(value, 'ns/call')} | {tier_ratio(r)} |")
    return "\n".join(lines)


def paired_ratios():
    """The tiers bench's interleaved ratios (`"group:memo/other"` -> ratio), or {}."""
    path = TARGET / "memo-tiers.json"
    return json.loads(path.read_text())["paired_ratios"] if path.exists() else {}


def tier_targets(values, paired):
    """The shared tiers' targets, each (text, met, detail). Where the bench measured the ratio
    interleaved (see benches/tiers.rs), that one decides; the ratio of the medians is shown too."""
    disk, redis = values.get("disk_hit", {}), values.get("redis_hit", {})
    out = []

    def check(text, group, memo_over, medians_ratio, met, label):
        decisive = paired.get(f"{group}:memo/{memo_over}") if memo_over else None
        if decisive is None and medians_ratio is None:
            out.append((text, None, "not measured"))
            return
        if decisive is None:
            out.append((text, met(medians_ratio), f"{label} = {medians_ratio:.2f}× (medians)"))
            return
        medians = "–" if medians_ratio is None else f"{medians_ratio:.2f}×"
        out.append((text, met(decisive), f"{label} = {decisive:.2f}× interleaved, {medians} from the medians"))

    check(
        "disk hit: at most 1.3× a raw SQLite read of the same bytes",
        "disk_hit",
        "raw_sqlite",
        ratio(disk.get("memo"), disk.get("raw_sqlite")),
        lambda r: r <= 1.3,
        "memo ÷ raw",
    )
    check(
        "disk hit: faster than cached's disk store",
        "disk_hit",
        "cached",
        ratio(disk.get("memo"), disk.get("cached")),
        lambda r: r < 1.0,
        "memo ÷ cached",
    )
    check(
        "disk hit: at least 10× faster than Python diskcache",
        "disk_hit",
        None,
        ratio(disk.get("diskcache"), disk.get("memo")),
        lambda r: r >= 10,
        "diskcache ÷ memo",
    )
    check(
        "Redis hit: at most 1.3× a raw `GET` of the same key",
        "redis_hit",
        "raw_get",
        ratio(redis.get("memo"), redis.get("raw_get")),
        lambda r: r <= 1.3,
        "memo ÷ raw GET",
    )
    return out


def tiers_section(reuse_python):
    """The shared tiers' markdown, or a line saying how to produce it."""
    values, dc = collect_tiers(reuse_python)
    if values is None:
        return "Shared tiers: not measured (run `cargo bench -p memo-benches --bench tiers`)."
    lines = [
        "## Shared tiers",
        "",
        "A shared-tier hit: `maxsize = 0` keeps nothing in-process, so every call asks the store, "
        "pre-filled with 10 000 keys (`cargo bench -p memo-benches --bench tiers`; "
        "diskcache: `python3 benches/diskcache_compare.py`).",
        "",
        tier_table(values),
        "",
        "Targets of the shared tiers (ratios from the same run; memo against a baseline of the "
        "same bench is also timed interleaved, in alternating blocks of 256 calls, which the machine's "
        "other load shifts less than two medians measured seconds apart: that ratio decides):",
        "",
    ]
    for what, met, detail in tier_targets(values, paired_ratios()):
        mark = "not measured" if met is None else ("met" if met else "MISSED")
        lines.append(f"- {what}: **{mark}** ({detail})")
    if dc is None:
        lines += ["", "diskcache is not installed here (`pip install diskcache`): its row is left out."]
    else:
        lines += [
            "",
            f"diskcache {dc.get('diskcache')} on CPython {dc.get('python')}; its `ns/call` includes the "
            f"Python loop and call (an uncached call of the same body costs {dc.get('loop_ns', 0):.1f} ns).",
        ]
    return "\n".join(lines)


def main():
    reuse = "--reuse-python" in sys.argv[1:]
    rows, one_thread, allocs, py = collect(reuse)
    text, columns = table(rows, one_thread, allocs)
    results = targets(rows, one_thread, allocs)
    lines = [text, "", "Targets of issue 3 (ratios from the same run):", ""]
    for what, met, detail in results:
        mark = "not measured" if met is None else ("met" if met else "MISSED")
        lines.append(f"- {what}: **{mark}** ({detail})")
    lines += [
        "",
        f"Machine: {machine()}. CPython {py.get('python')} (functools `ns/call` includes the Python "
        f"loop and call: an uncached call of the same body costs {py.get('loop_ns', 0):.1f} ns).",
    ]
    lines += ["", tiers_section(reuse)]
    report = "\n".join(lines)
    print(report)
    DOCS.mkdir(exist_ok=True)
    (DOCS / "benchmarks.md").write_text(
        "# Benchmarks\n\nGenerated by `python3 benches/report.py` from the results of "
        "`cargo bench -p memo-benches --bench compare`, `--bench memory` and `--bench tiers`; "
        "chart (in-process caches): [benchmarks.svg](benchmarks.svg).\n\n" + report + "\n"
    )
    (DOCS / "benchmarks.svg").write_text(svg(rows, columns, py, one_thread))
    print(f"\nwritten: {DOCS / 'benchmarks.md'}, {DOCS / 'benchmarks.svg'}", file=sys.stderr)


if __name__ == "__main__":
    main()
