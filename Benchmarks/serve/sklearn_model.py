#!/usr/bin/env python3
"""sklearn_model.py TRAIN.csv TARGET OUT_DIR: the scikit-learn counterpart of `train linear` for
MLServer's scikit-learn runtime: median imputation + scaling for numbers, most-frequent imputation +
one-hot for text, LogisticRegression; saved as OUT_DIR/model.joblib beside MLServer's settings.
A column is a number when every present value parses as one (as `load` infers it)."""
import csv
import json
import os
import sys

import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

train_path, target, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open(train_path, newline="") as f:
    records = list(csv.DictReader(f))
columns = [c for c in records[0] if c != target]


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


numeric = [c for c in columns if all(r[c] == "" or is_number(r[c]) for r in records)]
text = [c for c in columns if c not in numeric]
frame = pd.DataFrame({c: [float(r[c]) if r[c] != "" else float("nan") for r in records] if c in numeric
                      else [r[c] if r[c] != "" else None for r in records] for c in columns})
model = Pipeline([
    ("prepare", ColumnTransformer([
        ("numbers", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("text", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                           ("onehot", OneHotEncoder(handle_unknown="ignore"))]), text),
    ])),
    ("classify", LogisticRegression(max_iter=1000)),
])
model.fit(frame, [r[target] for r in records])
os.makedirs(out, exist_ok=True)
joblib.dump(model, os.path.join(out, "model.joblib"))
print(json.dumps({"numeric": numeric, "text": text, "classes": [str(c) for c in model.classes_]}))
