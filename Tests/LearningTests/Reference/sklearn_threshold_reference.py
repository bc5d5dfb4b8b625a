#!/usr/bin/env python3
"""Reference for ThresholdSearchTests: scikit-learn's answers on one set of probabilities.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_threshold_reference.py

Probabilities: P(malignant) from LogisticRegression() on breast_cancer, fold 0 of the row-modulo
folds (rows with index % 5 == 0 held out), features standardized on the training rows; they are
written to the JSON so the Swift test searches the very same numbers. Recorded:
- best_f1: the highest F1 over precision_recall_curve's thresholds, and the threshold it sits at;
- best_precision_at_recall_0_95: the highest precision among thresholds with recall >= 0.95;
- lowest_cost_fp1_fn5: the lowest total cost 1*FP + 5*FN over the same thresholds (and every
  row negative);
- fixed_0_3_labels: FixedThresholdClassifier(threshold=0.3)'s labels, as 0/1 (positive when the
  probability is at least the threshold).
"""
import csv
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import FixedThresholdClassifier
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
model = LogisticRegression().fit(scaler.transform(x[tr]), y[tr])
p = model.predict_proba(scaler.transform(x[te]))[:, 1]
truth = y[te]

precision, recall, thresholds = precision_recall_curve(truth, p)
f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0)[:-1]
best = int(np.argmax(f1))
ok = recall[:-1] >= 0.95
costs = [int(((p >= th) & (truth == 0)).sum()) + 5 * int(((p < th) & (truth == 1)).sum()) for th in thresholds]
costs.append(5 * int(truth.sum()))  # every row negative
fixed = FixedThresholdClassifier(model, threshold=0.3, response_method="predict_proba")
fixed.fit(scaler.transform(x[tr]), y[tr])
labels = fixed.predict(scaler.transform(x[te]))

result = {
    "sklearn_version": sklearn.__version__,
    "truth": truth.tolist(),
    "probabilities": p.tolist(),
    "best_f1": {"f1": float(f1[best]), "threshold": float(thresholds[best])},
    "best_precision_at_recall_0_95": float(precision[:-1][ok].max()),
    "lowest_cost_fp1_fn5": min(costs),
    "fixed_0_3_labels": [int(v) for v in labels],
}
OUT.write_text(json.dumps(result, indent=1) + "\n")
print({k: v for k, v in result.items() if k not in ("truth", "probabilities", "fixed_0_3_labels")})
