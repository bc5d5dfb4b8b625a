#!/usr/bin/env python3
"""Scores Workbench's exported ONNX models with onnxruntime and compares with Workbench.

Usage: onnxruntime_check.py FOLDER [--tolerance 1e-5]

FOLDER holds one subfolder per model (written by the Swift test `ONNX interop export`, run with
WORKBENCH_ONNX_EXPORT_DIR=FOLDER), each with:
  model.onnx       the exported pipeline
  input.csv        the table Workbench scored (header row; missing = empty field or NA/NaN/null)
  predictions.csv  Workbench's output: `label,p0,p1,...` (class order; a conformal model adds `s0,s1,...`, 1 when the class is in the set) or `value` (a conformal model adds `lower,upper`)

Each graph input is fed from the CSV column of the same name: tensor(double) inputs as float64
with missing -> NaN, tensor(string) inputs as text with missing -> "" (the exporter's
convention). A date column, which ONNX cannot parse, is fed as the derived numbers info.json's
`dateInputs` names (year, month, ISO day of week, day of year, hour), computed here from the date
text with Python's datetime, independently of Workbench; a value that does not parse is NaN. A model passes when onnx's full checker accepts it, every label equals
Workbench's, and every probability or value is within the tolerance (absolute).

A model trained on derived columns also has derived.csv: Workbench's value of each derived column
for every row. A derived column the graph takes as an input (a text function) is fed from it; every
other one the graph computes, and its values (made graph outputs here) must equal Workbench's within
1e-12, missing where Workbench's are.

Prints one row per model and a final line `N passed, M failed`; exits 1 if any failed.
"""
import argparse
import csv
import datetime
import json
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

# Workbench's CSV reader treats these fields as missing (CSVOptions.missingTokens).
MISSING = {"", "NA", "NaN", "null"}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def strptime_pattern(workbench_format):
    """Workbench's date format (`MM/dd/yy`, `yyyy-MM-dd (ISO 8601)`, `dd.MM.yyyy HH:mm`) as strptime's."""
    pattern = workbench_format.replace(" (ISO 8601)", "")
    for ours, theirs in [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]:
        pattern = pattern.replace(ours, theirs)
    return pattern


def date_part(text, pattern, part):
    """One derived number of a date text, or NaN when it does not parse (another format, no real day)."""
    try:
        moment = datetime.datetime.strptime(text.strip(), pattern)
    except ValueError:
        return math.nan
    return {
        "year": moment.year, "month": moment.month, "day of week": moment.isoweekday(),
        "day of year": moment.timetuple().tm_yday, "hour": moment.hour,
    }[part]


def derived_columns(header, rows, date_inputs):
    """Graph input name -> values for the inputs derived from a date column."""
    columns = {}
    for date in date_inputs:
        j = header.index(date["column"])
        pattern = strptime_pattern(date["format"])
        for name in date["inputs"]:
            part = name[len(date["column"]) + 2:-1]  # "Date Egg (day of week)" -> "day of week"
            columns[name] = [math.nan if row[j].strip() in MISSING else date_part(row[j], pattern, part) for row in rows]
    return columns


def feeds_for(session, header, rows, date_inputs=()):
    feeds = {}
    derived = derived_columns(header, rows, date_inputs)
    for spec in session.get_inputs():
        if spec.name in derived and spec.type == "tensor(double)":
            feeds[spec.name] = np.array(derived[spec.name], dtype=np.float64).reshape(-1, 1)
            continue
        if spec.name not in header:
            raise ValueError(f"input.csv lacks the model input column '{spec.name}'")
        j = header.index(spec.name)
        column = [row[j] for row in rows]
        if spec.type == "tensor(double)":
            values = [math.nan if v.strip() in MISSING else float(v) for v in column]
            feeds[spec.name] = np.array(values, dtype=np.float64).reshape(-1, 1)
        elif spec.type == "tensor(float)":
            values = [math.nan if v.strip() in MISSING else float(v) for v in column]
            feeds[spec.name] = np.array(values, dtype=np.float32).reshape(-1, 1)
        elif spec.type == "tensor(string)":
            values = ["" if v in MISSING else v for v in column]
            feeds[spec.name] = np.array(values, dtype=object).reshape(-1, 1)
        else:
            raise ValueError(f"unexpected input type {spec.type} for '{spec.name}'")
    return feeds


DERIVED_TOLERANCE = 1e-12


def derived_check(model, folder, header, rows, date_inputs):
    """Compares the graph's derived columns with derived.csv; returns (columns checked, error or None)."""
    derived_header, derived_rows = read_csv(os.path.join(folder, "derived.csv"))
    inputs = {i.name for i in model.graph.input}
    computed = [name for name in derived_header if name not in inputs]
    for name in computed:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.DOUBLE, [None, 1]))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = feeds_for(session, header + derived_header, [a + b for a, b in zip(rows, derived_rows)], date_inputs)
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    for name in computed:
        j = derived_header.index(name)
        want = np.array([math.nan if r[j] == "" else float(r[j]) for r in derived_rows])
        got = outputs[name].reshape(-1).astype(np.float64)
        if got.shape != want.shape:
            return len(computed), f"derived {name}: shape {got.shape}, expected {want.shape}"
        if not np.array_equal(np.isnan(got), np.isnan(want)):
            k = int(np.argmax(np.isnan(got) != np.isnan(want)))
            return len(computed), f"derived {name}: row {k + 1} is {got[k]} in the graph, {want[k]} in Workbench"
        both = ~np.isnan(want)
        diff = float(np.max(np.abs(got[both] - want[both]))) if both.any() else 0.0
        if diff > DERIVED_TOLERANCE:
            return len(computed), f"derived {name}: differs by {diff:.3e}"
    return len(computed), None


def check_model(folder, tolerance):
    """Returns (rows, label mismatches, max abs diff, error or None)."""
    model_path = os.path.join(folder, "model.onnx")
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    header, rows = read_csv(os.path.join(folder, "input.csv"))
    derived_path = os.path.join(folder, "derived.csv")
    if os.path.isfile(derived_path):
        info_path = os.path.join(folder, "info.json")
        dates = json.load(open(info_path, encoding="utf-8")).get("dateInputs", []) if os.path.isfile(info_path) else []
        _, error = derived_check(onnx.load(model_path), folder, header, rows, dates)
        if error:
            return len(rows), 0, math.inf, error
        derived_header, derived_rows = read_csv(derived_path)
        header = header + derived_header
        rows = [a + b for a, b in zip(rows, derived_rows)]
    expected_header, expected = read_csv(os.path.join(folder, "predictions.csv"))
    if len(expected) != len(rows):
        return len(rows), 0, math.inf, f"{len(expected)} predictions for {len(rows)} rows"
    info_path = os.path.join(folder, "info.json")
    date_inputs = []
    if os.path.isfile(info_path):
        with open(info_path, encoding="utf-8") as f:
            date_inputs = json.load(f).get("dateInputs", [])
    feeds = feeds_for(session, header, rows, date_inputs)
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))

    quantile = None
    if os.path.isfile(info_path):
        with open(info_path, encoding="utf-8") as f:
            quantile = json.load(f).get("conformalQuantile")
    if expected_header[0] == "label":
        labels = [str(v) for v in outputs["label"].reshape(-1)]
        probabilities = outputs["probabilities"]
        classes = sum(1 for h in expected_header if h.startswith("p"))
        want = np.array([[float(v) for v in row[1:1 + classes]] for row in expected], dtype=np.float64)
        if probabilities.shape != want.shape:
            return len(rows), 0, math.inf, f"probabilities shape {probabilities.shape}, expected {want.shape}"
        mismatches = sum(1 for got, row in zip(labels, expected) if got != row[0])
        diff = float(np.max(np.abs(probabilities.astype(np.float64) - want))) if want.size else 0.0
        if len(expected_header) > 1 + classes:
            # The conformal set: class c when 1 - p_c <= q. A membership may differ only where
            # 1 - p_c lies within 1e-9 of q (the probabilities agree to rounding, not bit for bit).
            if "set" not in outputs or quantile is None:
                return len(rows), 0, math.inf, "no 'set' output or no quantile for a conformal model"
            got_sets = outputs["set"]
            want_sets = np.array([[v == "1" for v in row[1 + classes:]] for row in expected], dtype=bool)
            if got_sets.shape != want_sets.shape or got_sets.dtype != np.bool_:
                return len(rows), 0, math.inf, f"set {got_sets.dtype} {got_sets.shape}, expected bool {want_sets.shape}"
            differ = got_sets != want_sets
            borderline = np.abs((1 - want) - quantile) < 1e-9
            mismatches += int(np.sum(differ & ~borderline))
    else:
        values = outputs["value"]
        want = np.array([float(row[0]) for row in expected], dtype=np.float64).reshape(-1, 1)
        if values.shape != want.shape:
            return len(rows), 0, math.inf, f"value shape {values.shape}, expected {want.shape}"
        mismatches = 0
        diff = float(np.max(np.abs(values.astype(np.float64) - want))) if want.size else 0.0
        if "lower" in expected_header:
            # The conformal interval value -/+ q.
            for name in ("lower", "upper"):
                if name not in outputs:
                    return len(rows), 0, math.inf, f"no '{name}' output for a conformal model"
                column = expected_header.index(name)
                ends = np.array([float(row[column]) for row in expected], dtype=np.float64).reshape(-1, 1)
                if outputs[name].shape != ends.shape:
                    return len(rows), 0, math.inf, f"{name} shape {outputs[name].shape}, expected {ends.shape}"
                diff = max(diff, float(np.max(np.abs(outputs[name].astype(np.float64) - ends))) if ends.size else 0.0)
    if math.isnan(diff):
        diff = math.inf  # a NaN on one side only is a failure, not a pass
    return len(rows), mismatches, diff, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()

    names = sorted(d for d in os.listdir(args.folder) if os.path.isfile(os.path.join(args.folder, d, "model.onnx")))
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}, tolerance {args.tolerance:g}")
    print(f"{'model':<32} {'rows':>5} {'label diffs':>11} {'max abs diff':>13}  result")
    passed = failed = 0
    for name in names:
        try:
            rows, mismatches, diff, error = check_model(os.path.join(args.folder, name), args.tolerance)
        except Exception as e:  # a model that fails to load or run is a failed check, not a crash
            rows, mismatches, diff, error = 0, 0, math.inf, f"{type(e).__name__}: {e}".splitlines()[0]
        info_path = os.path.join(args.folder, name, "info.json")
        tolerance = args.tolerance
        if os.path.isfile(info_path):
            with open(info_path, encoding="utf-8") as f:
                tolerance = json.load(f).get("tolerance") or tolerance
        ok = error is None and mismatches == 0 and diff <= tolerance
        passed += ok
        failed += not ok
        result = "ok" if ok else f"FAIL{' ' + error if error else ''}"
        print(f"{name:<32} {rows:>5} {mismatches:>11} {diff:>13.3e}  {result}")
    if not names:
        print(f"no exported models in {args.folder}")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
