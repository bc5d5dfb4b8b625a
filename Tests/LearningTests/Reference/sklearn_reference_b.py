#!/usr/bin/env python3
"""Reference scores for the tree family (tree, forest, boost) from scikit-learn.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_reference_b.py
Reads examples/{iris,breast_cancer,diabetes}.csv, raw numeric features, 5-fold CV with
fold = row_index % 5 (so the Swift test can rebuild the folds), and writes the mean accuracy
(classification) or R² (regression) per algorithm to sklearn_reference_b.json next to this file.

A single fully grown tree's score swings with the random feature order used to break ties (on
diabetes, R² ranges from -0.22 to -0.10 over random_state 0..19), so "tree" is the mean over
random_state 0..9; the Swift test averages seeds 0..9 the same way. Forest and boost use
random_state=0.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(ROOT, "examples")
SETS = [("iris", "species", "classification"),
        ("breast_cancer", "diagnosis", "classification"),
        ("diabetes", "progression", "regression")]


def load(name, target):
    path = os.path.join(DATA, name + ".csv")
    if not os.path.exists(path):
        sys.exit(f"missing dataset {path}")
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        rows = [line.rstrip("\n").split(",") for line in f]
    t = header.index(target)
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    y = [r[t] for r in rows]
    return x, y


TREE_SEEDS = range(10)


def models(task):
    if task == "classification":
        return {"tree": [DecisionTreeClassifier(random_state=s) for s in TREE_SEEDS],
                "forest": RandomForestClassifier(n_estimators=100, random_state=0),
                "boost": HistGradientBoostingClassifier(random_state=0)}
    return {"tree": [DecisionTreeRegressor(random_state=s) for s in TREE_SEEDS],
            "forest": RandomForestRegressor(n_estimators=100, random_state=0),
            "boost": HistGradientBoostingRegressor(random_state=0)}


def main():
    out = {"sklearn_version": sklearn.__version__, "folds": "row_index % 5", "scores": {}}
    for name, target, task in SETS:
        x, labels = load(name, target)
        if task == "classification":
            classes = sorted(set(labels))
            y = np.array([classes.index(v) for v in labels])
        else:
            y = np.array([float(v) for v in labels])
        fold = np.arange(len(y)) % 5
        out["scores"][name] = {}
        for algo, variants in models(task).items():
            scores = []
            for model in (variants if isinstance(variants, list) else [variants]):
                for k in range(5):
                    tr, te = fold != k, fold == k
                    model.fit(x[tr], y[tr])
                    p = model.predict(x[te])
                    scores.append(accuracy_score(y[te], p) if task == "classification" else r2_score(y[te], p))
            out["scores"][name][algo] = round(float(np.mean(scores)), 6)
    with open(os.path.join(HERE, "sklearn_reference_b.json"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
