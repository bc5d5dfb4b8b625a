#!/usr/bin/env python3
"""Workbench against its peers, same steps on the same files, in one run.

    Benchmarks/suite/run.sh [--quick] [--steps SUBSTRING,...] [--reps N]

For each step, Workbench (the release-built `workbench-bench`, which runs the very REPL command
lines a user types) and its peer (peers.py: polars, pandas, scikit-learn, LightGBM, ONNX Runtime)
run alternately in fresh processes: one warm-up round, then the median of N rounds (default 3).
Every process loads its data untimed unless loading is the step. Prints one table (step,
Workbench time, peer time, ratio = peer / Workbench, Workbench peak memory, quality on each side),
a scaling table (fit time at 10k / 100k / 1M rows and the fitted log-log exponent), and writes
JSON and Markdown under Benchmarks/results/ (git-ignored). Exits 1 when a quality check fails:
Workbench's accuracy more than 0.5 points below the peer's on the same step.
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
GENERATOR = os.path.join(ROOT, "Benchmarks", "data", "gen_synth.py")
DATA = os.path.join(ROOT, "Benchmarks", ".data")
RESULTS = os.path.join(ROOT, "Benchmarks", "results")
THREADS = os.cpu_count() or 1
# The forest is the one family whose default (100 trees) would make the full run take hours on
# two cores at 1M rows; from 100k rows both sides grow the same smaller number of trees. Below,
# both keep the default 100: with 30 trees on 8,000 rows, one seed's accuracy varies by more than
# the quality check's 0.5 points.
FOREST_TREES = 30
FOREST_TREES_FROM_ROWS = 100_000


def log(message):
    print(message, file=sys.stderr, flush=True)


def rows_label(n):
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def prepare_data(sizes):
    """synth_N.csv from the seeded generator (Benchmarks/data/gen_synth.py); train_N (first 80%) and test_N (last 20%).
    The generator is prefix-stable, so every size is a prefix of the largest."""
    os.makedirs(DATA, exist_ok=True)
    largest = max(sizes)
    full = os.path.join(DATA, f"synth_{largest}.csv")
    if not os.path.exists(full):
        log(f"generating {largest:,} rows with Benchmarks/data/gen_synth.py")
        subprocess.run([sys.executable, GENERATOR, str(largest), "--out", full + ".tmp"], check=True)
        os.replace(full + ".tmp", full)
    files = {n: {k: os.path.join(DATA, f"{k}_{n}.csv") for k in ("synth", "train", "test")} for n in sizes}
    missing = [n for n in sizes if not all(os.path.exists(p) for p in files[n].values())]
    if missing:
        # Read only when a file is missing, and dropped before the steps run (the peers' processes
        # must not start from a parent holding millions of lines).
        with open(full) as f:
            header = f.readline()
            lines = f.readlines()
        for n in missing:
            cut = n * 8 // 10
            parts = {"synth": lines[:n], "train": lines[:cut], "test": lines[cut:n]}
            for k, path in files[n].items():
                if not os.path.exists(path):
                    with open(path + ".tmp", "w") as out:
                        out.write(header)
                        out.writelines(parts[k])
                    os.replace(path + ".tmp", path)
        del lines
    return files


class Suite:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.binary = args.binary
        self.rows = []
        self.failed = []

    def run_side(self, command, spec, label):
        path = os.path.join(self.work, "step.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        done = subprocess.run(command + [path], capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(f"{label} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def step(self, name, wb, peer=None, peer_name="", note="", measure_index=0, reps=None, quality_kind="accuracy", warmup=True):
        """One table row. `measure_index` picks which of the timed lines is this row's time."""
        if self.args.steps and not any(s in name for s in self.args.steps):
            return None
        reps = reps or self.args.reps
        log(f"· {name}: {'1 warm-up + ' if warmup else ''}{reps} rounds")
        wb_runs, peer_runs = [], []
        for round_number in range(reps + 1 if warmup else reps):
            if not warmup:
                round_number += 1
            w = self.run_side([self.binary], wb, f"workbench step {name}")
            p = self.run_side([sys.executable, os.path.join(HERE, "peers.py")], peer, f"peer step {name}") if peer else None
            if round_number > 0:
                wb_runs.append(w)
                if p:
                    peer_runs.append(p)
        return self.record(name, wb_runs, peer_runs, peer_name, note, measure_index, quality_kind)

    def record(self, name, wb_runs, peer_runs, peer_name, note, measure_index, quality_kind):
        wb_time = statistics.median(r["seconds"][measure_index] for r in wb_runs)
        peer_time = statistics.median(r["seconds"][measure_index] for r in peer_runs) if peer_runs else None
        row = {
            "step": name, "workbench_s": wb_time, "peer": peer_name, "peer_s": peer_time,
            "ratio": (peer_time / wb_time) if peer_time and wb_time > 0 else None,
            "workbench_peak_mb": max(r["peak_rss_mb"] or 0 for r in wb_runs),
            "peer_peak_mb": max(r["peak_rss_mb"] for r in peer_runs) if peer_runs else None,
            "workbench_quality": wb_runs[-1].get("quality"), "peer_quality": peer_runs[-1].get("quality") if peer_runs else None,
            "quality_kind": quality_kind, "rounds": len(wb_runs), "note": note,
            "workbench_all_s": [r["seconds"][measure_index] for r in wb_runs],
            "peer_all_s": [r["seconds"][measure_index] for r in peer_runs],
        }
        if quality_kind == "rows" and row["workbench_quality"] != row["peer_quality"]:
            # The same verb on the same data must give the same number of rows on both sides.
            row["note"] = (row["note"] + "; " if row["note"] else "") + "ROW COUNT CHECK FAILED"
            self.failed.append(name)
        if quality_kind in ("accuracy", "r2") and row["workbench_quality"] is not None and row["peer_quality"] is not None:
            if row["workbench_quality"] < row["peer_quality"] - 0.005:
                row["note"] = (row["note"] + "; " if row["note"] else "") + "QUALITY CHECK FAILED"
                self.failed.append(name)
        self.rows.append(row)
        log(f"  workbench {wb_time:.3f} s" + (f", {peer_name} {peer_time:.3f} s, ratio {row['ratio']:.2f}×" if peer_time else ""))
        return row


def regions_lookup():
    """A 1,000-row lookup table keyed by region name: the synthetic data's 12 regions and 988 others."""
    path = os.path.join(DATA, "regions_1000.csv")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as out:
            out.write("cat_region,region_weight,region_zone\n")
            for i in range(1, 1001):
                out.write(f"r{i:02d},{(i * 37) % 101 / 10},{'zone' + str(i % 7)}\n")
        os.replace(path + ".tmp", path)
    return path


def wb_spec(setup, measure, quality=None, metric=None):
    return {"folder": ROOT, "setup": setup, "measure": measure, "quality": quality, "metric": metric}


def forest_trees(rows):
    return FOREST_TREES if rows >= FOREST_TREES_FROM_ROWS else 100


def algorithm_params(algorithm, rows, trees=None):
    if algorithm == "forest":
        count = trees or forest_trees(rows)
        return f" n_estimators={count}", {"n_estimators": count}
    if algorithm == "boost":
        # Fixed 100 rounds on both sides (LightGBM's default), no early stopping.
        return " early_stopping=off", {"max_iter": 100}
    return "", {}


SINGLE_ROW_CALLS = 15  # as peers.py: the one-row figure is the median of this many calls


def first_row_record(path):
    """The test file's first row as a `predict` record {col: value, ...}, target left out, missing
    values left out (so they count as missing), text quoted."""
    import csv
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header, values = next(reader), next(reader)
    fields = []
    for name, value in zip(header, values):
        if name == "target" or value == "":
            continue
        try:
            float(value)
            fields.append(f"{name}: {value}")
        except ValueError:
            fields.append(f'{name}: "{value}"')
    return "{" + ", ".join(fields) + "}"


def fit_predict(suite, algorithm, n, files, peer=True, trees=None, reps=None, warmup=True):
    """Rows "fit", "predict" (probabilities and labels of every test row on both sides: Workbench's
    `predict`, the peer's `predict_proba` + argmax), "evaluate" (the same plus every metric Workbench's
    `evaluate` reports, the peer computing them with sklearn.metrics) and "predict one row" (median
    of SINGLE_ROW_CALLS calls on the test file's first row). `trees`: the forest's tree count when it
    must not follow the row count (the scaling table)."""
    extra, params = algorithm_params(algorithm, n, trees)
    label = rows_label(n)
    row = first_row_record(files[n]["test"])
    spec = wb_spec(
        [f'load "{files[n]["train"]}" as train', f'load "{files[n]["test"]}" as test'],
        [f"m = train {algorithm} on train target=target{extra}", "predict m on test rows=1", "ev = evaluate m on test"]
        + [f"predict m {row}"] * SINGLE_ROW_CALLS,
        quality="ev", metric="accuracy")
    peer_spec = {"kind": "fit_predict", "algorithm": algorithm, "params": params, "train": files[n]["train"], "test": files[n]["test"]}
    peer_name = {"boost": "LightGBM"}.get(algorithm, "scikit-learn")
    note = f"{params['n_estimators']} trees each" if algorithm == "forest" else ("100 rounds each, no early stopping" if algorithm == "boost" else "")
    name = f"fit {algorithm} {label}"
    if suite.args.steps and not any(s in name for s in suite.args.steps):
        return None
    reps = reps or suite.args.reps
    log(f"· fit + predict {algorithm} {label}: {'1 warm-up + ' if warmup else ''}{reps} rounds")
    wb_runs, peer_runs = [], []
    for round_number in range(0 if warmup else 1, reps + 1):
        w = suite.run_side([suite.binary], spec, name)
        w["seconds"] = w["seconds"][:3] + [statistics.median(w["seconds"][3:])]
        p = suite.run_side([sys.executable, os.path.join(HERE, "peers.py")], peer_spec, name) if peer else None
        if round_number > 0:
            wb_runs.append(w)
            if p:
                peer_runs.append(p)
    test_rows = n - n * 8 // 10
    fit = suite.record(name, wb_runs, peer_runs, peer_name if peer else "", note + (f"; {n * 8 // 10:,} training rows" if note else f"{n * 8 // 10:,} training rows"), 0, "accuracy")
    suite.record(f"predict {algorithm} {label}", wb_runs, peer_runs, peer_name if peer else "", f"{test_rows:,} rows, probabilities and labels", 1, "accuracy")
    suite.record(f"evaluate {algorithm} {label}", wb_runs, peer_runs, peer_name if peer else "", f"{test_rows:,} rows, probabilities and every metric", 2, "accuracy")
    suite.record(f"predict one row {algorithm} {label}", wb_runs, peer_runs, peer_name if peer else "", f"median of {SINGLE_ROW_CALLS} calls", 3, "accuracy")
    return fit


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) / 1024 / 1024
    except OSError:
        memory = float("nan")
    versions = {"python": platform.python_version()}
    for module in ("numpy", "pandas", "polars", "sklearn", "lightgbm", "onnxruntime", "scipy"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:
            versions[module] = "missing"
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    versions["swift"] = swift[0] if swift else "unknown"
    return {"cpu": cpu, "cores": THREADS, "memory_gib": round(memory, 1), "os": platform.platform(), "versions": versions}


def fmt_time(s):
    if s is None:
        return "—"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_quality(row):
    w, p, kind = row["workbench_quality"], row["peer_quality"], row["quality_kind"]
    if w is None and p is None:
        return ""
    if kind == "max_dp":
        return f"max Δp {p:.1e}" if p is not None else ""
    if kind == "rows":
        return f"rows {w:,.0f} vs {p:,.0f}" if w is not None and p is not None else ""
    side = lambda x: "—" if x is None else f"{x:.4f}"
    return f"{kind} {side(w)} vs {side(p)}"


def markdown(rows, scaling, info, args):
    out = [f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; {info['os']}.",
           "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".",
           f"Each step: 1 warm-up, then the median of {args.reps} alternating rounds, each in a fresh process. "
           f"Threads: Workbench uses all {info['cores']} cores; peers: polars all, LightGBM num_threads={info['cores']}, "
           f"scikit-learn n_jobs={info['cores']} for forest and knn (its other estimators are single-threaded by design; "
           "LogisticRegression's lbfgs and MLP use BLAS), pandas single-threaded.", "",
           *(["Steps on 10M rows: one round, no warm-up (each takes minutes)."] if any(" 10M" in r["step"] for r in rows) else []),
           "Peak MiB: each side's whole process (VmHWM / ru_maxrss), setup included (the data loaded, the model fitted).", "",
           "| step | Workbench | peer | peer time | ratio (peer / Workbench) | Workbench peak MiB | peer peak MiB | quality (Workbench vs peer) | note |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] else "—"
        peak = f"{r['workbench_peak_mb']:.0f}" if r["workbench_peak_mb"] else "—"
        peer_peak = f"{r['peer_peak_mb']:.0f}" if r.get("peer_peak_mb") else "—"
        out.append(f"| {r['step']} | {fmt_time(r['workbench_s'])} | {r['peer'] or '—'} | {fmt_time(r['peer_s'])} | {ratio} | {peak} | {peer_peak} | {fmt_quality(r)} | {r['note']} |")
    if scaling:
        out += ["", "Scaling of Workbench's fit time with rows (log-log slope: 1.0 = linear in rows):", "",
                "| algorithm | " + " | ".join(rows_label(n) for n in scaling["sizes"]) + " | exponent |",
                "|---|" + "---|" * len(scaling["sizes"]) + "---|"]
        for algorithm, times in scaling["times"].items():
            cells = [fmt_time(times.get(str(n))) for n in scaling["sizes"]]
            exponent = scaling["exponents"].get(algorithm)
            out.append(f"| {algorithm} | " + " | ".join(cells) + (f" | {exponent:.2f} |" if exponent is not None else " | — |"))
    return "\n".join(out) + "\n"


def fitted_exponent(times):
    points = [(math.log(int(n)), math.log(t)) for n, t in times.items() if t and t > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx > 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows only, no scaling fits, serving or per-model steps (under 5 minutes)")
    parser.add_argument("--reps", type=int, default=3, help="rounds after the warm-up (median is reported)")
    parser.add_argument("--steps", type=lambda s: [x for x in s.split(",") if x], default=[], help="run only steps whose name contains one of these")
    parser.add_argument("--ten-million", action="store_true",
                        help="adds 10M rows (1.55 GB of CSV): load, describe, split, validate + drift on 10M, fit + predict linear and boost, "
                             "export and batch prediction of a model fitted on 10M, the scaling table's 10M column; "
                             "one round per 10M step, no warm-up (each takes minutes)")
    parser.add_argument("--binary", required=True, help="the release-built workbench-bench")
    args = parser.parse_args()

    small, medium, large, huge = 10_000, 100_000, 1_000_000, 10_000_000
    sizes = [small, medium] if args.quick else [small, medium, large] + ([huge] if args.ten_million else [])
    files = prepare_data(sizes)
    big = sizes[-1]
    # Steps on 10M rows take minutes per side: one round, no warm-up.
    rounds_for = lambda n: {"reps": 1, "warmup": False} if n >= huge else {}
    with tempfile.TemporaryDirectory(prefix="workbench-suite-") as work:
        suite = Suite(args, work)

        # Data: load, describe, split.
        for n in ([medium] if args.quick else [n for n in sizes if n >= medium]):
            path = files[n]["synth"]
            suite.step(f"CSV load {rows_label(n)}", wb_spec([], [f'load "{path}" as d']), {"kind": "load", "library": "polars", "data": path}, "polars",
                       **rounds_for(n))
        suite.step(f"CSV load {rows_label(big)} (pandas)", wb_spec([], [f'load "{files[big]["synth"]}" as d']),
                   {"kind": "load", "library": "pandas", "data": files[big]["synth"]}, "pandas", **rounds_for(big))
        suite.step(f"describe {rows_label(big)}", wb_spec([f'load "{files[big]["synth"]}" as d'], ["describe d"]),
                   {"kind": "describe", "data": files[big]["synth"]}, "polars", note="Workbench adds quantiles, top values, sparklines", **rounds_for(big))
        suite.step(f"split {rows_label(big)} (stratified)", wb_spec([f'load "{files[big]["synth"]}" as d'], ["tr, te = split d test=0.2 stratify=target"]),
                   {"kind": "split", "data": files[big]["synth"]}, "scikit-learn", **rounds_for(big))

        # Data verbs on the largest table, each against polars and pandas (the issue's list): filter
        # with one and three conditions, derive over three columns, sort by a number, join with a
        # 1,000-row lookup on a text key, group by a text column with mean and count.
        lookup = regions_lookup()
        verbs = [
            ("filter1", "filter d where num_00 > 0.5", "filter, 1 condition"),
            ("filter3", 'filter d where num_00 > 0.5 and cat_color == "red" and num_16 < 3000', "filter, 3 conditions"),
            ("derive", "derive d z = num_00 * num_01 + num_02 / 3", "derive over 3 columns"),
            ("sort", "sort d by num_16", "sort by a number"),
            ("join", "join d regions on cat_region", "join, 1,000-row lookup on text"),
            ("group", "group d by cat_region m = mean(num_16), n = count()", "group by text: mean, count"),
        ]
        for verb, line, label in verbs:
            setup = [f'load "{files[big]["synth"]}" as d'] + ([f'load "{lookup}" as regions'] if verb == "join" else [])
            for library in ["polars", "pandas"]:
                suite.step(f"{label} {rows_label(big)} ({library})", wb_spec(setup, [line], quality="rows"),
                           {"kind": "verb", "verb": verb, "library": library, "data": files[big]["synth"], "lookup": lookup if verb == "join" else None},
                           library, quality_kind="rows", note="quality = result rows on each side", **rounds_for(big))

        # Fit and predict: every family at 100k (10k in --quick); at 1M the families the goal names
        # there (logistic, tree, forest, boosting) and naive Bayes. kNN's prediction is quadratic in
        # rows (hours at 1M for both sides) and the MLP's fit grows past ten minutes per round.
        families = ["baseline", "linear", "knn", "bayes", "mlp", "tree", "forest", "boost"]
        family_rows = small if args.quick else medium
        for algorithm in families:
            fit_predict(suite, algorithm, family_rows, files)
        if not args.quick:
            for algorithm in ["linear", "bayes", "tree", "forest", "boost"]:
                fit_predict(suite, algorithm, large, files)
        if huge in sizes:
            # At 10M the issue's two: the linear model and boosting (LightGBM beside it).
            for algorithm in ["linear", "boost"]:
                fit_predict(suite, algorithm, huge, files, **rounds_for(huge))

        # Cross-validated comparison of every family on Workbench's own folds.
        cv_rows = small if args.quick else medium
        folds_file = os.path.join(work, "folds.txt")
        subprocess.run([args.binary, "--folds", files[cv_rows]["train"], "target", "5", "42", folds_file], check=True)
        # `compare all` uses every family's defaults, so the peers do too (100 trees).
        all_params = {"forest": {"n_estimators": 100}, "boost": {"max_iter": 100}}
        suite.step(f"compare all folds=5 {rows_label(cv_rows * 8 // 10)}",
                   wb_spec([f'load "{files[cv_rows]["train"]}" as train'],
                           [f"lb = compare all on train target=target folds=5"], quality="lb", metric="accuracy"),
                   {"kind": "cross_validate", "data": files[cv_rows]["train"], "folds": folds_file, "algorithms": families, "params": all_params},
                   "scikit-learn + LightGBM", reps=1, warmup=False,
                   note="same folds; 8 families × 5 folds with their defaults (forest 100 trees; Workbench's boost stops early on a validation split, LightGBM runs 100 rounds)"
                        + "; one round, no warm-up (each takes minutes)")

        # Validate + drift on fresh rows, export, batch prediction from the bundle vs ONNX Runtime.
        model_rows = medium if not args.quick else small
        fresh = files[big]["synth"]
        setup_model = [f'load "{files[model_rows]["train"]}" as train', "m = train boost on train target=target early_stopping=off"]
        # The model comes from compare, as in an analyst's session, so validate has its
        # cross-validation yardstick already and the step times scoring, schema and drift checks.
        setup_validated = [f'load "{files[model_rows]["train"]}" as train', "lb = compare boost on train target=target", "m = train lb.best on train target=target"]
        suite.step(f"validate + drift {rows_label(big)}",
                   wb_spec(setup_validated + [f'load "{fresh}" as fresh'], ["v = validate m on fresh"], quality="v", metric="accuracy"),
                   {"kind": "validate", "algorithm": "boost", "params": {"max_iter": 100}, "train": files[model_rows]["train"], "fresh": fresh},
                   "LightGBM + SciPy", note="scores the rows and tests every feature (KS/PSI, χ²) against training", **rounds_for(big))
        bundle = os.path.join(work, "bundle")
        suite.step("export boost bundle",
                   wb_spec(setup_model, [f'export m to "{bundle}" overwrite=yes']),
                   {"kind": "save", "algorithm": "boost", "params": {"max_iter": 100}, "train": files[model_rows]["train"], "out": os.path.join(work, "peer.joblib")},
                   "joblib (LightGBM)", note="Workbench writes model, ONNX, card, reference, verification rows, checksums; the peer only pickles")
        score_rows = files[medium]["test"]
        predictions = os.path.join(work, "wb_predictions.csv")
        suite.step(f"batch predict from bundle {rows_label(medium - medium * 8 // 10)}",
                   wb_spec([f'b = import "{bundle}"', f'load "{score_rows}" as rows'], ["ev = evaluate b on rows", f'predict b on rows to "{predictions}"'], quality="ev", metric="accuracy"),
                   {"kind": "onnxruntime", "model": os.path.join(bundle, "model.onnx"), "data": score_rows, "reference": predictions},
                   "ONNX Runtime (same model.onnx)", quality_kind="max_dp",
                   note="in process; Workbench encodes the loaded table, scores every row and computes its metrics, ONNX Runtime runs the graph on tensors prepared before timing (model-only figures: Benchmarks/bundle); quality = max Δp between the two")

        if huge in sizes:
            # Export and batch prediction of a model fitted on 10M rows (its reference and
            # verification rows come from them); the fit itself is untimed setup on both sides.
            big_bundle = os.path.join(work, "bundle-10M")
            suite.step("export boost bundle (fitted on 10M)",
                       wb_spec([f'load "{files[huge]["train"]}" as train', "m = train boost on train target=target early_stopping=off"],
                               [f'export m to "{big_bundle}" overwrite=yes']),
                       {"kind": "save", "algorithm": "boost", "params": {"max_iter": 100}, "train": files[huge]["train"], "out": os.path.join(work, "peer-10M.joblib")},
                       "joblib (LightGBM)", note="as above, the model fitted on 8M rows", **rounds_for(huge))
            big_predictions = os.path.join(work, "wb_predictions_10M.csv")
            suite.step(f"batch predict from bundle {rows_label(huge - huge * 8 // 10)}",
                       wb_spec([f'b = import "{big_bundle}"', f'load "{files[huge]["test"]}" as rows'],
                               ["ev = evaluate b on rows", f'predict b on rows to "{big_predictions}"'], quality="ev", metric="accuracy"),
                       {"kind": "onnxruntime", "model": os.path.join(big_bundle, "model.onnx"), "data": files[huge]["test"], "reference": big_predictions},
                       "ONNX Runtime (same model.onnx)", quality_kind="max_dp", note="as above, the 10M rows' last 2M", **rounds_for(huge))

        # Scaling: Workbench fit times at each size (reusing the fit steps measured above).
        scaling = {"sizes": sizes, "times": {}, "exponents": {}}
        for algorithm in ["linear", "tree", "forest", "boost"]:
            times = {}
            for n in sizes:
                name = f"fit {algorithm} {rows_label(n)}"
                # The forest's points all grow FOREST_TREES trees, so the slope compares like with like.
                same = (lambda r: f"{FOREST_TREES} trees" in r["note"]) if algorithm == "forest" else (lambda r: True)
                row = next((r for r in suite.rows if r["step"] == name and same(r)), None)
                if row is None and not args.quick:
                    row = fit_predict(suite, algorithm, n, files, peer=False,
                                      trees=FOREST_TREES if algorithm == "forest" else None, **rounds_for(n))
                if row:
                    times[str(n)] = row["workbench_s"]
            scaling["times"][algorithm] = times
            scaling["exponents"][algorithm] = fitted_exponent(times)

    # HTTP serving: wrk against `workbench serve` and ONNX Runtime behind a minimal Python server,
    # same bundle and request (Benchmarks/serve/run.sh measures both and prints the ratio).
    serving = None
    serve_script = os.path.join(ROOT, "Benchmarks", "serve", "run.sh")
    # Not in --quick: serving is measured by the full run (or --steps serve).
    if os.path.exists(serve_script) and (args.steps and any("serve" in s for s in args.steps) or not (args.steps or args.quick)):
        log("· HTTP serving with wrk")
        env = dict(os.environ, DURATION="30")
        done = subprocess.run(["bash", serve_script], capture_output=True, text=True, env=env, timeout=1800)
        serving = (done.stdout.strip() or done.stderr.strip()[-2000:])
        if done.returncode != 0:
            suite.failed.append("HTTP serving")

    # Prediction per model against ONNX Runtime in process (Benchmarks/bundle/run.sh): linear, forest
    # and boost, one row at a time and in batches of 1,000, on the same bundle's model.onnx. Asked for
    # by name (`--steps bundle`, about 4 minutes: it trains its own three models on 80k rows), so the
    # default full run stays under 30 minutes; the full run's "batch predict from bundle" step covers
    # the same comparison in the REPL's terms.
    per_model = None
    bundle_script = os.path.join(ROOT, "Benchmarks", "bundle", "run.sh")
    if os.path.exists(bundle_script) and args.steps and any("bundle" in s for s in args.steps):
        log("· prediction per model in process, against ONNX Runtime")
        done = subprocess.run(["bash", bundle_script], capture_output=True, text=True, env=dict(os.environ, RUNS="3"), timeout=1800)
        per_model = (done.stdout.strip() or done.stderr.strip()[-2000:])
        if done.returncode != 0:
            suite.failed.append("prediction per model")

    info = machine()
    # The scaling table needs the full run's sizes; --quick measures no extra fits for it.
    text = markdown(suite.rows, scaling if not args.quick and any(scaling["times"].values()) else None, info, args)
    if serving:
        text += f"\nHTTP serving, single-row POST /v1/predict under wrk (30 s per server):\n\n```\n{serving}\n```\n"
    if per_model:
        text += f"\nPrediction per model in process, Workbench against ONNX Runtime on the bundle's model.onnx (Benchmarks/bundle/run.sh):\n\n```\n{per_model}\n```\n"
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    kind = "quick" if args.quick else "full"
    with open(os.path.join(RESULTS, f"{stamp}-{kind}.json"), "w") as f:
        json.dump({"machine": info, "quick": args.quick, "reps": args.reps, "rows": suite.rows, "scaling": scaling, "serving": serving,
                   "per_model": per_model}, f, indent=1)
    with open(os.path.join(RESULTS, f"{stamp}-{kind}.md"), "w") as f:
        f.write(text)
    log(f"results: Benchmarks/results/{stamp}-{kind}.json and .md")
    if suite.failed:
        log("quality check failed for: " + ", ".join(suite.failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
