#!/usr/bin/env python3
"""Reference for ClassWeightParityTests: scikit-learn's class_weight='balanced' for the families
Workbench weighs by class (baseline, linear, tree, forest, boost), under the protocol the Swift
test reproduces.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_class_weight_reference.py

Data: breast_cancer (357 benign / 212 malignant) and iris_imbalanced, iris without three in four
virginica rows (kept: every row that is not virginica, and virginica rows whose index in
iris.csv is a multiple of 4; 50 / 50 / 13 rows). Raw numeric features; class codes in sorted
label order. Folds: fold f (0..4) is the rows whose index in the (sub)set is f modulo 5.

Recorded per dataset and algorithm, as the mean over the five folds:
- balanced_accuracy with class_weight='balanced' (the quantity class weights aim at), and the
  same without class weights, to show what the weights change;
- tree: the mean over random_state 0..9 (one tree's score swings with tie-breaking), forest and
  boost random_state=0, like sklearn_reference_b.py;
- baseline: DummyClassifier(strategy='prior') fitted with compute_sample_weight('balanced').
For linear, also the out-of-fold probabilities of fold 0 from a tightly converged fit (tol=1e-10,
max_iter=10000) on features standardized with the training rows' mean and (population) standard
deviation: these test the weighted objective itself, not only its score.
"""
import csv
import json
import pathlib

import numpy as np
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.class_weight import compute_sample_weight

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = pathlib.Path(__file__).with_suffix(".json")
TREE_SEEDS = range(10)


def load(name, target, keep=None):
    with open(ROOT / "examples" / f"{name}.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    t = header.index(target)
    if keep is not None:
        body = [r for i, r in enumerate(body) if keep(i, r[t])]
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in body])
    labels = [r[t] for r in body]
    classes = sorted(set(labels))
    return x, np.array([classes.index(v) for v in labels])


DATASETS = {
    "breast_cancer": lambda: load("breast_cancer", "diagnosis"),
    "iris_imbalanced": lambda: load("iris", "species", keep=lambda i, label: label != "virginica" or i % 4 == 0),
}


def models(weighted):
    cw = "balanced" if weighted else None
    return {
        "baseline": [DummyClassifier(strategy="prior")],
        "linear": [LogisticRegression(class_weight=cw)],
        "tree": [DecisionTreeClassifier(class_weight=cw, random_state=s) for s in TREE_SEEDS],
        "forest": [RandomForestClassifier(n_estimators=100, class_weight=cw, random_state=0)],
        "boost": [HistGradientBoostingClassifier(class_weight=cw, random_state=0)],
    }


def mean_balanced_accuracy(make_models, name, x, y, weighted):
    fold = np.arange(len(y)) % 5
    scores = []
    for model in make_models:
        for k in range(5):
            tr, te = fold != k, fold == k
            xtr, xte = x[tr], x[te]
            if name == "linear":
                scaler = StandardScaler().fit(xtr)
                xtr, xte = scaler.transform(xtr), scaler.transform(xte)
            if name == "baseline" and weighted:
                model.fit(xtr, y[tr], sample_weight=compute_sample_weight("balanced", y[tr]))
            else:
                model.fit(xtr, y[tr])
            scores.append(balanced_accuracy_score(y[te], model.predict(xte)))
    return float(np.mean(scores))


def main():
    result = {"sklearn_version": sklearn.__version__, "folds": "row_index % 5",
              "balanced_accuracy": {}, "unweighted_balanced_accuracy": {}, "linear_fold0_probabilities": {}}
    for dataset, loader in DATASETS.items():
        x, y = loader()
        for key, weighted in (("balanced_accuracy", True), ("unweighted_balanced_accuracy", False)):
            result[key][dataset] = {name: round(mean_balanced_accuracy(made, name, x, y, weighted), 6)
                                    for name, made in models(weighted).items()}
        fold = np.arange(len(y)) % 5
        tr, te = fold != 0, fold == 0
        scaler = StandardScaler().fit(x[tr])
        tight = LogisticRegression(class_weight="balanced", tol=1e-10, max_iter=10000).fit(scaler.transform(x[tr]), y[tr])
        result["linear_fold0_probabilities"][dataset] = tight.predict_proba(scaler.transform(x[te])).tolist()
    OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "linear_fold0_probabilities"}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
