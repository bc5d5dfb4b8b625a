#!/usr/bin/env python3
"""Reference drift statistics for DriftParityTests, computed with SciPy / NumPy.

Run from the repository root:  python3 Tests/LearningTests/Reference/scipy_drift_reference.py
Reads examples/*.csv and writes scipy_drift_reference.json beside this script.

For every feature (all columns but the target) of each reference/current pair:
- numbers: scipy.stats.ks_2samp (method='auto'), scipy.stats.wasserstein_distance (raw),
  scipy.spatial.distance.jensenshannon and PSI on the decile bins below;
- text: scipy.stats.chi2_contingency on the 2 x L table (union of levels), jensenshannon and PSI
  over level frequencies.
Missing values (empty fields) are dropped before anything is computed.

Binning (the rule DriftStatistics implements): edges = np.quantile(reference, [0.1, ..., 0.9])
(NumPy's default 'linear' method), equal edges removed; bin of v = np.searchsorted(edges, v,
side='left'), i.e. bins (-inf, e0], (e0, e1], ..., (ek, inf). PSI = sum((c - r) * ln(c / r)) over
bin proportions with 0 replaced by 1e-4; Jensen-Shannon uses the raw counts (no floor).
"""
import csv
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "examples"))
FLOOR = 1e-4

PAIRS = [
    ("penguins_train", "penguins_fresh", "species"),
    ("penguins_train", "penguins_fresh_drift", "species"),
    ("breast_cancer_train", "breast_cancer_fresh", "diagnosis"),
    ("breast_cancer_train", "breast_cancer_fresh_drift", "diagnosis"),
]


def read(name):
    with open(os.path.join(DATASETS, name + ".csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {}
    for j, col in enumerate(header):
        raw = [r[j] for r in body]
        try:
            columns[col] = ("number", [float(v) if v != "" else None for v in raw])
        except ValueError:
            columns[col] = ("text", [v if v != "" else None for v in raw])
    return header, columns


def psi(ref_counts, cur_counts):
    r = np.asarray(ref_counts, dtype=float) / np.sum(ref_counts)
    c = np.asarray(cur_counts, dtype=float) / np.sum(cur_counts)
    r = np.where(r == 0, FLOOR, r)
    c = np.where(c == 0, FLOOR, c)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric(ref, cur):
    ref = np.array([v for v in ref if v is not None])
    cur = np.array([v for v in cur if v is not None])
    edges = np.unique(np.quantile(ref, [k / 10 for k in range(1, 10)]))
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    ks = stats.ks_2samp(ref, cur)
    return {
        "kind": "number",
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        "reference_std": float(np.std(ref)),
        "jensen_shannon": float(distance.jensenshannon(ref_counts, cur_counts)),
        "psi": psi(ref_counts, cur_counts),
        "edges": [float(e) for e in edges],
        "reference_bin_counts": [int(c) for c in ref_counts],
        "current_bin_counts": [int(c) for c in cur_counts],
    }


def categorical(ref, cur):
    ref = [v for v in ref if v is not None]
    cur = [v for v in cur if v is not None]
    levels = list(dict.fromkeys(ref + cur))
    ref_counts = [ref.count(level) for level in levels]
    cur_counts = [cur.count(level) for level in levels]
    chi2, p, dof, _ = stats.chi2_contingency(np.array([ref_counts, cur_counts]))
    return {
        "kind": "text",
        "chi2_statistic": float(chi2),
        "chi2_pvalue": float(p),
        "chi2_dof": int(dof),
        "jensen_shannon": float(distance.jensenshannon(ref_counts, cur_counts)),
        "psi": psi(ref_counts, cur_counts),
        "levels": levels,
    }


def main():
    out = {"scipy_version": scipy.__version__, "numpy_version": np.__version__, "pairs": []}
    for ref_name, cur_name, target in PAIRS:
        header, ref = read(ref_name)
        _, cur = read(cur_name)
        features = {}
        for col in header:
            if col == target:
                continue
            kind, values = ref[col]
            features[col] = numeric(values, cur[col][1]) if kind == "number" else categorical(values, cur[col][1])
        out["pairs"].append({"reference": ref_name, "current": cur_name, "target": target,
                             "features": features})
    with open(os.path.join(HERE, "scipy_drift_reference.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
