#!/usr/bin/env python3
"""How often validate's verdicts are wrong: false alarms on clean re-splits, detection of real shifts.

    Benchmarks/validate/run.sh [--splits 50] [--families linear,forest] [--quick]

False alarms: for each dataset, SPLITS seeded 80/20 re-splits of the whole file (`split d seed=S`);
train each family on the 80% and `validate` it on the 20%. A clean split should PASS; the table
shows the share of WARN/FAIL verdicts (goal: at most 5% per dataset and family).
Datasets: examples/ iris, penguins, breast_cancer, diabetes; synthetic `gauss20` (20 normal
features, 2,000 rows) and `sparse64` (64 near-constant "pixel" columns, 1,800 rows, like the 8x8
digits set: most cells 0).

Detection: train on a seeded 80% of penguins_train / breast_cancer_train and validate on
NAME_fresh_drift.csv (two features shifted, examples/README.md); and synthetic gauss20 whose fresh
20% has ONE feature (a different one per seed) shifted by 0.5 or 1.0 standard deviation. A shift is
detected when the verdict is WARN or FAIL; "exact" when the drifted features named are exactly the
shifted ones (goal: detected >= 95%, exact >= 90%).

Every random choice is seeded (split seeds 1..SPLITS; the synthetic generator numpy seed = split
seed), so a rerun prints the same tables.

--check (CI's short version, e.g. --splits 20): exits 1 when a row's counts are evidence against
the goals, by a one-sided binomial test at level CHECK_LEVEL per row: false alarms k of n when
P(X >= k | p = 0.05) < CHECK_LEVEL; detected / exact k of n when P(X <= k | p = 0.95 / 0.90) <
CHECK_LEVEL. At 20 splits that is 5 or more false alarms, 15 or fewer detections, 13 or fewer exact.
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples")
VERDICT = re.compile(r"^validate (\S+) on (.+): (PASS|WARN|FAIL)$")
DRIFTED = re.compile(r"^\s+WARN\s+(.+?) drifted: ")
NOT_FEATURES = {"the predictions", "the data as a whole"}
CHECK_LEVEL = 0.005


def binomial_tail(n, p, k, upper):
    """P(X >= k) (upper) or P(X <= k) for X ~ Binomial(n, p)."""
    ks = range(k, n + 1) if upper else range(0, k + 1)
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in ks)


def bound(n, p, upper):
    """The smallest count that fails (upper: too many alarms), or the largest (too few detections)."""
    if upper:
        return next(k for k in range(n + 2) if k > n or binomial_tail(n, p, k, True) < CHECK_LEVEL)
    return max([k for k in range(n + 1) if binomial_tail(n, p, k, False) < CHECK_LEVEL], default=-1)


def run_script(binary, lines, folder):
    """Runs workbench script lines in one process; returns [(verdict, drifted features, reasons)] per validate."""
    path = os.path.join(folder, "script.wb")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    proc = subprocess.run([binary, "run", path], cwd=ROOT, capture_output=True, text=True)
    results, current = [], None
    for line in proc.stdout.splitlines():
        m = VERDICT.match(line)
        if m:
            current = {"model": m.group(1), "verdict": m.group(3), "drifted": set(), "reasons": []}
            results.append(current)
            continue
        if current is not None:
            d = DRIFTED.match(line)
            if d and d.group(1) not in NOT_FEATURES:
                current["drifted"].add(d.group(1))
            if re.match(r"^\s+(WARN|FAIL)\s", line):
                current["reasons"].append(line.strip())
    if proc.returncode not in (0, 3):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"workbench run failed with status {proc.returncode}")
    return results


def gauss20(seed, rows=2000):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 20))
    logit = 1.5 * x[:, 0] - 1.0 * x[:, 1] + 0.8 * x[:, 2]
    y = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return [f"x{j:02d}" for j in range(20)], x, y


def sparse64(seed, rows=1800):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, rows)
    x = np.zeros((rows, 64))
    for j in range(64):
        rate = 0.01 if j % 4 == 0 else 0.15 + 0.1 * (j % 3)
        on = rng.random(rows) < rate + 0.1 * (y == j % 4)
        x[on, j] = rng.integers(1, 17, on.sum())
    return [f"p{j:02d}" for j in range(64)], x, np.array([f"c{v}" for v in y])


def write_csv(path, names, x, y):
    with open(path, "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in row) + f",{label}\n")


def false_alarm_lines(data_path, target, families, splits):
    lines = [f'load "{data_path}" as d']
    for s in range(1, splits + 1):
        lines.append(f"split d test=0.2 seed={s}")
        for fam in families:
            lines += [f"m_{fam} = train {fam} on d.train target={target} seed={s}", f"validate m_{fam} on d.test"]
    return lines


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--splits", type=int, default=50)
    ap.add_argument("--families", default="linear,forest")
    ap.add_argument("--check", action="store_true", help="exit 1 when a row is evidence against the goals (see the docstring)")
    ap.add_argument("--only", help="false alarms only, on these datasets (comma-separated names, e.g. diabetes); no detection")
    args = ap.parse_args()
    failures = []
    families = args.families.split(",")
    work = tempfile.mkdtemp(prefix="wb-validate-bench-")

    # False alarms.
    datasets = [("iris", os.path.join(EXAMPLES, "iris.csv"), "species"),
                ("penguins", os.path.join(EXAMPLES, "penguins.csv"), "species"),
                ("breast_cancer", os.path.join(EXAMPLES, "breast_cancer.csv"), "diagnosis"),
                ("diabetes", os.path.join(EXAMPLES, "diabetes.csv"), "progression"),
                # The raw-export penguins: identifiers, constants, free text left out, a date feature.
                ("penguins_messy", os.path.join(EXAMPLES, "penguins_messy.csv"), "Species")]
    for name, make in (("gauss20", gauss20), ("sparse64", sparse64)):
        names, x, y = make(0)
        path = os.path.join(work, f"{name}.csv")
        write_csv(path, names, x, y)
        datasets.append((name, path, "target"))
    if args.only:
        datasets = [d for d in datasets if d[0] in args.only.split(",")]
    rows, worst = [], 0.0
    for name, path, target in datasets:
        results = run_script(args.binary, false_alarm_lines(path, target, families, args.splits), work)
        for fam in families:
            mine = [r for r in results if r["model"] == f"m_{fam}"]
            alarms = [r for r in mine if r["verdict"] != "PASS"]
            share = len(alarms) / max(1, len(mine))
            worst = max(worst, share)
            causes = {}
            for r in alarms:
                for reason in r["reasons"]:
                    key = re.sub(r"[:(].*", "", reason)[:48]
                    causes[key] = causes.get(key, 0) + 1
            top = ", ".join(f"{k} ({v})" for k, v in sorted(causes.items(), key=lambda kv: -kv[1])[:2])
            rows.append([name, fam, len(mine), sum(r["verdict"] == "WARN" for r in mine), sum(r["verdict"] == "FAIL" for r in mine),
                         f"{100 * share:.0f}%", "ok" if share <= 0.05 else "OVER", top])
            if len(alarms) >= bound(len(mine), 0.05, True):
                failures.append(f"{name} {fam}: {len(alarms)} false alarms of {len(mine)}")
    table(f"False alarms: non-PASS verdicts on {args.splits} clean 80/20 re-splits (goal <= 5%)",
          ["dataset", "family", "runs", "WARN", "FAIL", "non-PASS", "goal", "most common reasons"], rows)

    if args.only:
        finish(args, worst, failures)
        return

    # Detection.
    rows = []
    shifted = {"penguins": ({"bill_length_mm", "flipper_length_mm"}, "species"),
               "breast_cancer": ({"mean radius", "mean texture"}, "diagnosis")}
    for name, (expected, target) in shifted.items():
        lines = [f'load "examples/{name}_train.csv" as d']
        for s in range(1, args.splits + 1):
            lines.append(f"split d test=0.2 seed={s}")
            for fam in families:
                lines += [f"m_{fam} = train {fam} on d.train target={target} seed={s}", f'validate m_{fam} on "examples/{name}_fresh_drift.csv"']
        results = run_script(args.binary, lines, work)
        for fam in families:
            mine = [r for r in results if r["model"] == f"m_{fam}"]
            rows.append(detection_row(f"{name}_fresh_drift", fam, mine, [expected] * len(mine), failures))
    for delta in (0.5, 1.0):
        lines, expected = [], []
        for s in range(1, args.splits + 1):
            names, x, y = gauss20(1000 + s)
            cut = int(0.8 * len(y))
            j = s % 20
            fresh = x[cut:].copy()
            fresh[:, j] += delta * x[:cut, j].std()
            train_path, fresh_path = os.path.join(work, f"g_train_{s}.csv"), os.path.join(work, f"g_fresh_{delta}_{s}.csv")
            write_csv(train_path, names, x[:cut], y[:cut])
            write_csv(fresh_path, names, fresh, y[cut:])
            lines.append(f'd = load "{train_path}"')
            for fam in families:
                lines += [f"m_{fam} = train {fam} on d target=target seed={s}", f'validate m_{fam} on "{fresh_path}"']
            expected.append({names[j]})
        results = run_script(args.binary, lines, work)
        for fam in families:
            mine = [r for r in results if r["model"] == f"m_{fam}"]
            rows.append(detection_row(f"gauss20 one feature +{delta} sd", fam, mine, expected, failures))
    table(f"Detection on {args.splits} re-splits (goal: detected >= 95%, exactly the shifted features >= 90%)",
          ["shift", "family", "runs", "detected", "exact", "goal", "other features named"], rows)
    finish(args, worst, failures)


def finish(args, worst, failures):
    """The closing lines, and --check's verdict."""
    print(f"\nworst false-alarm share: {100 * worst:.0f}%")
    if args.check:
        n = args.splits
        print(f"check (one-sided binomial, level {CHECK_LEVEL} per row, {n} splits): fail at >= {bound(n, 0.05, True)} false alarms, "
              f"<= {bound(n, 0.95, False)} detected, <= {bound(n, 0.90, False)} exact")
        for f in failures:
            print("FAIL " + f)
        if failures:
            raise SystemExit(1)
        print("validate verdicts: within the bounds")


def detection_row(name, fam, results, expected, failures):
    detected = sum(r["verdict"] != "PASS" for r in results)
    exact = sum(r["drifted"] == e for r, e in zip(results, expected))
    extra = {}
    for r, e in zip(results, expected):
        for f in r["drifted"] - e:
            extra[f] = extra.get(f, 0) + 1
    n = max(1, len(results))
    ok = detected / n >= 0.95 and exact / n >= 0.90
    if detected <= bound(len(results), 0.95, False) or exact <= bound(len(results), 0.90, False):
        failures.append(f"{name} {fam}: detected {detected}, exact {exact} of {len(results)}")
    return [name, fam, len(results), f"{100 * detected / n:.0f}%", f"{100 * exact / n:.0f}%", "ok" if ok else "MISS",
            ", ".join(f"{k} ({v})" for k, v in sorted(extra.items(), key=lambda kv: -kv[1])[:3])]


if __name__ == "__main__":
    main()
