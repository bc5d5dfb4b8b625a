#!/usr/bin/env python3
"""Two builds of workbench-bench side by side on the data verbs, against polars and pandas.

    python3 Benchmarks/suite/ab.py --before OLD/workbench-bench --after NEW/workbench-bench [--reps N] [--steps filter3,derive]

The steps, commands, data and peers are bench.py's (the suite's "Data verbs" rows); every round
runs the old build, the new build, polars and pandas, each in a fresh process, with the two builds'
order swapped every round, so a change of load on the machine falls on both sides. One warm-up
round, then the median of N rounds (default 5). Prints one Markdown table.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

VERBS = {
    "filter1": ("filter d where num_00 > 0.5", "filter, 1 condition"),
    "filter3": ('filter d where num_00 > 0.5 and cat_color == "red" and num_16 < 3000', "filter, 3 conditions"),
    "derive": ("derive d z = num_00 * num_01 + num_02 / 3", "derive over 3 columns"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=lambda s: [x for x in s.split(",") if x], default=list(VERBS))
    args = parser.parse_args()
    big = 1_000_000
    data = bench.prepare_data([10_000, 100_000, big])[big]["synth"]
    with tempfile.TemporaryDirectory(prefix="workbench-ab-") as work:
        suite = bench.Suite(argparse.Namespace(binary=args.before, steps=[], reps=args.reps), work)
        peer = [sys.executable, os.path.join(bench.HERE, "peers.py")]
        print(f"| verb (1M rows) | before | after | polars | pandas | after vs before | polars / after | pandas / after |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for verb in args.steps:
            line, label = VERBS[verb]
            spec = bench.wb_spec([f'load "{data}" as d'], [line], quality="rows")
            times = {"before": [], "after": [], "polars": [], "pandas": []}
            rows = set()
            for round_number in range(args.reps + 1):
                sides = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
                for side in sides + ["polars", "pandas"]:
                    if side in ("before", "after"):
                        result = suite.run_side([getattr(args, side)], spec, f"{side} {verb}")
                    else:
                        result = suite.run_side(peer, {"kind": "verb", "verb": verb, "library": side, "data": data, "lookup": None}, f"{side} {verb}")
                    rows.add(result.get("quality"))
                    if round_number > 0:
                        times[side].append(result["seconds"][0])
            if len(rows) != 1:
                sys.exit(f"{verb}: the sides disagree on the result's rows: {sorted(rows)}")
            m = {side: statistics.median(t) * 1000 for side, t in times.items()}
            print(f"| {label} | {m['before']:.1f} ms | {m['after']:.1f} ms | {m['polars']:.1f} ms | {m['pandas']:.1f} ms | "
                  f"{m['before'] / m['after']:.2f}× | {m['polars'] / m['after']:.2f}× | {m['pandas'] / m['after']:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
