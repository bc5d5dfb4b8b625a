#!/usr/bin/env python3
"""scikit-learn / LightGBM side of the tree benchmark: same CSV, same one-hot, same holdout."""
import sys
import time

import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/synth_100k.csv"
which = sys.argv[2].split(",") if len(sys.argv) > 2 else ["tree", "forest", "boost", "lightgbm"]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2

with open(path) as f:
    header = f.readline().rstrip("\n").split(",")
    rows = [line.rstrip("\n").split(",") for line in f]
ci, ri, ti = header.index("cat_color"), header.index("cat_region"), header.index("target")
numeric = [i for i in range(len(header)) if i not in (ci, ri, ti)]
colors = ["red", "green", "blue", "yellow", "purple"]
regions = [f"r{i:02d}" for i in range(1, 13)]
x = np.zeros((len(rows), len(numeric) + 17))
for r, row in enumerate(rows):
    x[r, :len(numeric)] = [float(row[c]) if row[c] else np.nan for c in numeric]
    if row[ci]:
        x[r, len(numeric) + colors.index(row[ci])] = 1
    if row[ri]:
        x[r, len(numeric) + 5 + regions.index(row[ri])] = 1
y = np.array([1 if row[ti] == "yes" else 0 for row in rows])
cut = len(rows) * 4 // 5
xtr, xte, ytr, yte = x[:cut], x[cut:], y[:cut], y[cut:]
print(f"python: {cut} train rows x {x.shape[1]} features, {threads} threads")

from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

models = {"tree": lambda: DecisionTreeClassifier(random_state=0),
          "forest": lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=threads),
          "boost": lambda: HistGradientBoostingClassifier(random_state=0)}
try:
    import lightgbm
    models["lightgbm"] = lambda: lightgbm.LGBMClassifier(n_estimators=100, num_threads=threads, verbose=-1)
except ImportError:
    pass
for name in which:
    if name not in models:
        continue
    m = models[name]()
    t, c = time.perf_counter(), time.process_time()
    m.fit(xtr, ytr)
    s, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"  {name:9s} fit {s:7.2f} s (cpu {cpu:6.2f} s)   train acc {(m.predict(xtr) == ytr).mean():.4f}   holdout acc {(m.predict(xte) == yte).mean():.4f}")
