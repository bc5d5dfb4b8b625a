#!/usr/bin/env python3
"""ort_bench.py MODEL.onnx CSV: ONNX Runtime on the same rows, measured like bundle-bench:
single-row latency (median of 2,000 one-row runs) and batch throughput (batches of 1,000 rows
for at least a second). Inputs are fed as the exported graph expects them: one [N,1] tensor per
column, double for numbers (NaN = missing) and string for text ("" = missing). Prints one JSON line."""
import json
import sys
import time

import numpy as np
import onnxruntime as ort
import pandas as pd

model, path = sys.argv[1], sys.argv[2]
options = ort.SessionOptions()
options.intra_op_num_threads = 2  # the machine's cores, like Workbench
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
inputs = session.get_inputs()


def feed(rows):
    out = {}
    for spec in inputs:
        column = rows[spec.name]
        if spec.type == "tensor(string)":
            out[spec.name] = column.fillna("").astype(str).to_numpy(dtype=object).reshape(-1, 1)
        else:
            out[spec.name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64).reshape(-1, 1)
    return out


sample = min(len(frame), 2000)
singles = [feed(frame.iloc[i:i + 1]) for i in range(sample)]
for f in singles[:100]:
    session.run(None, f)
latencies = []
for f in singles:
    start = time.perf_counter()
    session.run(None, f)
    latencies.append(time.perf_counter() - start)
latencies.sort()
batch = feed(frame.iloc[:1000])
session.run(None, batch)
rows = 0
start = time.perf_counter()
while time.perf_counter() - start < 1.0:
    session.run(None, batch)
    rows += 1000
rate = rows / (time.perf_counter() - start)
print(json.dumps({"single_row_us": latencies[len(latencies) // 2] * 1e6, "p99_us": latencies[len(latencies) * 99 // 100] * 1e6,
                  "batch_rows_per_s": rate, "onnxruntime": ort.__version__}))
