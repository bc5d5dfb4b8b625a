#!/usr/bin/env python3
"""Reference scores for SklearnParityTests: scikit-learn counterparts of Workbench's baseline,
linear, knn, bayes and mlp, under exactly the protocol the Swift test reproduces.

Protocol: fold f (0..4) is the rows with index % 5 == f; features are standardized with a
StandardScaler fitted on the training rows only; class labels are coded in sorted order.
Scores: mean accuracy (classification) or mean R^2 (regression) over the 5 folds. The MLP is
stochastic, so its reference is averaged over seeds 0..4, and the per-seed scores are kept too:
with early stopping on iris (12 validation rows, one mini-batch per epoch) they spread from
about 0.5 to 0.8, so no implementation with a different random stream can match their mean to
1.5 points. The test therefore also compares `mlp_no_early_stopping` (early_stopping=False,
200 epochs), whose result is decided by the data rather than by the seed.

Run from the repository root:  python3 Tests/LearningTests/Reference/sklearn_reference_a.py
"""
import csv
import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.compose import TransformedTargetRegressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[3]
DATASETS = ROOT / "examples"
OUT = pathlib.Path(__file__).with_suffix(".json")
FOLDS = 5
MLP_SEEDS = range(5)

DATASETS_SPEC = {
    "iris": ("species", "classification"),
    "breast_cancer": ("diagnosis", "classification"),
    "diabetes": ("progression", "regression"),
}


def load(name, target):
    with open(DATASETS / f"{name}.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    t = header.index(target)
    features = [i for i in range(len(header)) if i != t]
    x = np.array([[float(r[i]) for i in features] for r in body])
    raw = [r[t] for r in body]
    return x, raw


def mlp_classifier(seed):
    return MLPClassifier(hidden_layer_sizes=(100,), early_stopping=True, random_state=seed)


def mlp_classifier_full(seed):
    return MLPClassifier(hidden_layer_sizes=(100,), early_stopping=False, random_state=seed)


def mlp_regressor(seed, early_stopping=True):
    # Workbench standardizes the regression target inside the MLP; this is the equivalent.
    return TransformedTargetRegressor(
        regressor=MLPRegressor(hidden_layer_sizes=(100,), early_stopping=early_stopping, random_state=seed),
        transformer=StandardScaler())


CLASSIFIERS = {
    "baseline": [lambda: DummyClassifier(strategy="prior")],
    "linear": [lambda: LogisticRegression(C=1.0, max_iter=100, tol=1e-4)],
    "knn": [lambda: KNeighborsClassifier(n_neighbors=5)],
    "bayes": [lambda: GaussianNB()],
    "mlp": [lambda s=s: mlp_classifier(s) for s in MLP_SEEDS],
    "mlp_no_early_stopping": [lambda s=s: mlp_classifier_full(s) for s in MLP_SEEDS],
}
REGRESSORS = {
    "baseline": [lambda: DummyRegressor()],
    "linear": [lambda: LinearRegression()],
    "knn": [lambda: KNeighborsRegressor(n_neighbors=5)],
    "mlp": [lambda s=s: mlp_regressor(s) for s in MLP_SEEDS],
    "mlp_no_early_stopping": [lambda s=s: mlp_regressor(s, early_stopping=False) for s in MLP_SEEDS],
}


def cross_validate(make, x, y, task):
    scores = []
    index = np.arange(len(y))
    for fold in range(FOLDS):
        test = index % FOLDS == fold
        scaler = StandardScaler().fit(x[~test])
        model = make().fit(scaler.transform(x[~test]), y[~test])
        predicted = model.predict(scaler.transform(x[test]))
        if task == "classification":
            scores.append(accuracy_score(y[test], predicted))
        else:
            scores.append(r2_score(y[test], predicted))
    return float(np.mean(scores))


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    result = {"sklearn_version": sklearn.__version__, "folds": "row_index % 5", "scores": {}, "seed_scores": {}}
    for name, (target, task) in DATASETS_SPEC.items():
        x, raw = load(name, target)
        if task == "classification":
            labels = sorted(set(raw))
            y = np.array([labels.index(v) for v in raw])
            table = CLASSIFIERS
        else:
            y = np.array([float(v) for v in raw])
            table = REGRESSORS
        per_seed = {
            algorithm: [cross_validate(make, x, y, task) for make in makers]
            for algorithm, makers in table.items()
        }
        result["scores"][name] = {algorithm: float(np.mean(s)) for algorithm, s in per_seed.items()}
        result["seed_scores"][name] = {a: s for a, s in per_seed.items() if len(s) > 1}
        print(name, result["scores"][name])
    OUT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
