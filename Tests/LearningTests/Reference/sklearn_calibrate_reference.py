#!/usr/bin/env python3
"""Reference for ProbabilityCalibrationTests: scikit-learn's CalibratedClassifierCV.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_calibrate_reference.py

Base model: StandardScaler + LogisticRegression(tol=1e-10, max_iter=10000) on breast_cancer (raw
features, P(malignant)), so the base probabilities agree with Workbench's linear to ~1e-7. It is
wrapped so that it offers predict_proba only: CalibratedClassifierCV would otherwise calibrate
decision_function (the log-odds), while Workbench calibrates probabilities, for every family.
Folds: fold f is the rows with index % 5 == f, passed to CalibratedClassifierCV as explicit
splits, ensemble=False (one calibrator on the out-of-fold probabilities, the base refitted on
every row). Recorded per method (sigmoid, isotonic):
- out_of_fold: the base's out-of-fold P(malignant) (cross_val_predict on the same splits);
- calibrated: CalibratedClassifierCV's P(malignant) for every row;
- direct: the calibrator alone fitted on out_of_fold and applied to it (sigmoid: _SigmoidCalibration's
  a, b and its predictions; isotonic: IsotonicRegression(out_of_bounds="clip")'s predictions),
  so the calibrators can be compared on identical inputs.
"""
import csv
import json
import pathlib

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = pathlib.Path(__file__).with_suffix(".json")

with open(ROOT / "examples" / "breast_cancer.csv", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
t = header.index("diagnosis")
x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in body])
y = np.array([1 if r[t] == "malignant" else 0 for r in body])
index = np.arange(len(y))
splits = [(index[index % 5 != k], index[index % 5 == k]) for k in range(5)]


class ProbabilitiesOnly(ClassifierMixin, BaseEstimator):
    """A classifier that answers predict_proba and predict, nothing else."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, x, y):
        self.fitted_ = clone(self.estimator).fit(x, y)
        self.classes_ = self.fitted_.classes_
        return self

    def predict_proba(self, x):
        return self.fitted_.predict_proba(x)

    def predict(self, x):
        return self.fitted_.predict(x)


def base():
    return ProbabilitiesOnly(make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=10000)))


oof = cross_val_predict(base(), x, y, cv=splits, method="predict_proba")[:, 1]
result = {"sklearn_version": sklearn.__version__, "truth": y.tolist(), "out_of_fold": oof.tolist(), "methods": {}}
for method in ("sigmoid", "isotonic"):
    calibrated = CalibratedClassifierCV(base(), method=method, cv=splits, ensemble=False).fit(x, y)
    entry = {"calibrated": calibrated.predict_proba(x)[:, 1].tolist()}
    if method == "sigmoid":
        s = _SigmoidCalibration().fit(oof, y)
        entry.update({"a": float(s.a_), "b": float(s.b_), "direct": s.predict(oof).tolist()})
    else:
        entry["direct"] = IsotonicRegression(out_of_bounds="clip").fit(oof, y).predict(oof).tolist()
    result["methods"][method] = entry
OUT.write_text(json.dumps(result) + "\n")
print({m: {k: v for k, v in e.items() if k in ("a", "b")} for m, e in result["methods"].items()}, "ties in oof:", len(oof) - len(set(oof)))
