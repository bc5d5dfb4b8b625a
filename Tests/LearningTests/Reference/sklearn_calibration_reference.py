#!/usr/bin/env python3
"""Reference for CalibrationCurveTests: scikit-learn's calibration_curve on fixed probabilities.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_calibration_reference.py

Probabilities: P(malignant) on breast_cancer fold 0 (rows with index % 5 == 0 held out) from
RandomForestClassifier(random_state=0) and from LogisticRegression() on standardized features;
written to the JSON so the Swift test bins the very same numbers. For each: calibration_curve
(n_bins=10, strategy="uniform") — the positive share and mean probability of each non-empty bin —,
the rows per bin (numpy's searchsorted over the inner edges, as calibration_curve bins them), and
from those the expected calibration error Σ n_b/N·|share − mean| and the reliability
Σ n_b/N·(mean − share)² (scikit-learn has neither as a function; both are computed here from its bins).
"""
import csv
import json
import pathlib

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = pathlib.Path(__file__).with_suffix(".json")

with open(ROOT / "examples" / "breast_cancer.csv", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
t = header.index("diagnosis")
x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in body])
y = np.array([1 if r[t] == "malignant" else 0 for r in body])
fold = np.arange(len(y)) % 5
tr, te = fold != 0, fold == 0
scaler = StandardScaler().fit(x[tr])
models = {
    "forest": (RandomForestClassifier(random_state=0).fit(x[tr], y[tr]), x[te]),
    "linear": (LogisticRegression().fit(scaler.transform(x[tr]), y[tr]), scaler.transform(x[te])),
}
result = {"sklearn_version": sklearn.__version__, "truth": y[te].tolist(), "cases": {}}
for name, (model, xt) in models.items():
    p = model.predict_proba(xt)[:, 1]
    share, mean = calibration_curve(y[te], p, n_bins=10, strategy="uniform")
    bins = np.linspace(0, 1, 11)
    ids = np.searchsorted(bins[1:-1], p)
    counts = np.bincount(ids, minlength=10)
    counts = counts[counts > 0]
    w = counts / counts.sum()
    result["cases"][name] = {
        "probabilities": p.tolist(), "positive_share": share.tolist(), "mean_probability": mean.tolist(),
        "rows": counts.tolist(), "ece": float(np.sum(w * np.abs(share - mean))),
        "reliability": float(np.sum(w * (mean - share) ** 2)),
    }
OUT.write_text(json.dumps(result, indent=1) + "\n")
print({k: {kk: vv for kk, vv in v.items() if kk != "probabilities"} for k, v in result["cases"].items()})
