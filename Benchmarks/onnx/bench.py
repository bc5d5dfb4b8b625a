#!/usr/bin/env python3
"""Workbench's model.onnx against skl2onnx's export of the equivalent scikit-learn pipeline, in
ONNX Runtime with one thread. Used by Benchmarks/onnx/run.sh.

  bench.py peers TRAIN.csv OUT_DIR
      Trains the scikit-learn pipelines Workbench's linear, forest and boost correspond to on
      TRAIN.csv (target `species`) and writes OUT_DIR/{linear,forest,boost}.onnx with skl2onnx:
      - linear: numbers median-imputed then standardised, text one-hot (unknown levels ignored;
        missing is a level, not imputed: see `preprocessing`), LogisticRegression;
      - forest: the same without scaling (trees do not need it), RandomForestClassifier(100 trees);
      - boost:  the same, HistGradientBoostingClassifier (100 iterations, 31 leaves, like Workbench).
      Numbers are float32 inputs (skl2onnx's usual FloatTensorType: ai.onnx.ml Imputer and Scaler
      only compute in float), text string inputs; ZipMap is left out (zipmap=False) so the
      probabilities come back as one tensor, skl2onnx's fastest form.

  bench.py time SCORE.csv NAME WB.onnx PEER.onnx [NAME WB.onnx PEER.onnx ...]
      Times each pair in ONNX Runtime (1 intra-op thread, 1 inter-op thread, default graph
      optimisations), alternating the two sessions: single-row latency as the median of many
      one-row runs (cycling over the rows of SCORE.csv) and batches of 1,000 rows (the rows
      repeated) as the median of many runs. Checks both give the same labels on the table. Prints
      one JSON line per pair.

  bench.py report RESULTS.jsonl
      The table of `time`'s lines: node counts, medians and ratios.
"""
import json
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd

TARGET = "species"
NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
TEXT = ["island", "sex"]


def read(path):
    # Workbench's missing tokens; everything else as written.
    return pd.read_csv(path, keep_default_na=False, na_values=["", "NA", "NaN", "null"])


def peers(train_path, out):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    frame = read(train_path)
    x = frame[NUMBERS + TEXT].copy()
    x[NUMBERS] = x[NUMBERS].astype(np.float32)
    x[TEXT] = x[TEXT].fillna("").astype(str)
    y = frame[TARGET].astype(str)

    def preprocessing(scale):
        numbers = [("impute", SimpleImputer(strategy="median"))] + ([("scale", StandardScaler())] if scale else [])
        # Text straight into the encoder: a missing value ("") is a level of its own. Imputing the
        # most frequent level first (Workbench's rule) costs skl2onnx 11 more nodes
        # (LabelEncoder, ArrayFeatureExtractor, Where, Gather…), so the peer is measured without it.
        one_hot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        return ColumnTransformer([("numbers", Pipeline(numbers), NUMBERS), ("text", one_hot, TEXT)])

    models = {
        "linear": Pipeline([("prep", preprocessing(True)), ("model", LogisticRegression(max_iter=1000))]),
        "forest": Pipeline([("prep", preprocessing(False)), ("model", RandomForestClassifier(n_estimators=100, random_state=0))]),
        "boost": Pipeline([("prep", preprocessing(False)), ("model", HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=31, early_stopping=False, random_state=0))]),
    }
    types = [(c, FloatTensorType([None, 1])) for c in NUMBERS] + [(c, StringTensorType([None, 1])) for c in TEXT]
    for name, pipeline in models.items():
        pipeline.fit(x, y)
        model = to_onnx(pipeline, initial_types=types, target_opset={"": 21, "ai.onnx.ml": 3},
                        options={id(pipeline.named_steps["model"]): {"zipmap": False}})
        with open(f"{out}/{name}.onnx", "wb") as f:
            f.write(model.SerializeToString())
        print(f"{name}: {len(model.graph.node)} nodes, training accuracy {pipeline.score(x, y):.4f}")


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def feeds(sess, frame):
    out = {}
    for spec in sess.get_inputs():
        column = frame[spec.name]
        if spec.type == "tensor(string)":
            out[spec.name] = column.fillna("").astype(str).to_numpy(dtype=object).reshape(-1, 1)
        elif spec.type == "tensor(float)":
            out[spec.name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float32).reshape(-1, 1)
        else:
            out[spec.name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64).reshape(-1, 1)
    return out


def labels(sess, feed):
    names = [o.name for o in sess.get_outputs()]
    out = dict(zip(names, sess.run(None, feed)))
    return [str(v) for v in np.asarray(out["label"]).reshape(-1)]


def timed(sess, feed, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        sess.run(None, feed)
        times.append(time.perf_counter() - start)
    return times


def time_pair(name, score, wb_path, peer_path, rounds=7):
    frame = read(score)
    sessions = {"workbench": session(wb_path), "skl2onnx": session(peer_path)}
    full = {k: feeds(s, frame) for k, s in sessions.items()}
    agree = float(np.mean(np.array(labels(sessions["workbench"], full["workbench"])) == np.array(labels(sessions["skl2onnx"], full["skl2onnx"]))))
    singles = {k: [feeds(s, frame.iloc[i:i + 1]) for i in range(len(frame))] for k, s in sessions.items()}
    big = pd.concat([frame] * (1000 // len(frame) + 1), ignore_index=True).iloc[:1000]
    batch = {k: feeds(s, big) for k, s in sessions.items()}
    single_times = {k: [] for k in sessions}
    batch_times = {k: [] for k in sessions}
    for k, s in sessions.items():  # warm-up
        for f in singles[k][:200]:
            s.run(None, f)
        timed(s, batch[k], 20)
    for _ in range(rounds):  # alternate so drift on a shared machine hits both alike
        for k, s in sessions.items():
            for f in singles[k]:
                start = time.perf_counter()
                s.run(None, f)
                single_times[k].append(time.perf_counter() - start)
            batch_times[k] += timed(s, batch[k], 30)
    nodes = {k: len(onnx.load(p).graph.node) for k, p in (("workbench", wb_path), ("skl2onnx", peer_path))}
    print(json.dumps({
        "model": name, "label_agreement": agree, "nodes": nodes,
        "single_us": {k: statistics.median(v) * 1e6 for k, v in single_times.items()},
        "batch_us": {k: statistics.median(v) * 1e6 for k, v in batch_times.items()},
        "single_runs": len(single_times["workbench"]), "batch_runs": len(batch_times["workbench"]),
        "onnxruntime": ort.__version__,
    }), flush=True)


def report(path):
    rows = [json.loads(line) for line in open(path)]
    print(f"{'model':<7} {'nodes WB/skl':>12} {'1 row WB µs':>11} {'skl µs':>7} {'ratio':>6} "
          f"{'1,000 rows WB µs':>16} {'skl µs':>7} {'ratio':>6} {'labels agree':>12}")
    for r in rows:
        s, b, n = r["single_us"], r["batch_us"], r["nodes"]
        print(f"{r['model']:<7} {str(n['workbench']) + ' / ' + str(n['skl2onnx']):>12} {s['workbench']:>11.1f} {s['skl2onnx']:>7.1f} "
              f"{s['skl2onnx'] / s['workbench']:>5.2f}x {b['workbench']:>16.0f} {b['skl2onnx']:>7.0f} {b['skl2onnx'] / b['workbench']:>5.2f}x "
              f"{r['label_agreement']:>12.3f}")
    print(f"(ratio = skl2onnx time / Workbench time: above 1, Workbench's graph is faster; medians of "
          f"{rows[0]['single_runs']} one-row and {rows[0]['batch_runs']} batch runs; onnxruntime {rows[0]['onnxruntime']}, 1 thread)")


def main(argv):
    if len(argv) == 3 and argv[0] == "peers":
        peers(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "report":
        report(argv[1])
    elif len(argv) >= 5 and argv[0] == "time" and (len(argv) - 2) % 3 == 0:
        for i in range(2, len(argv), 3):
            time_pair(argv[i], argv[1], argv[i + 1], argv[i + 2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
