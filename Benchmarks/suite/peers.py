#!/usr/bin/env python3
"""The peers' side of the benchmark suite: the same steps as Workbench, on the same files.

    peers.py STEP.json      → one JSON line {"seconds": [...], "peak_rss_mb": X, "quality": Q, ...}

STEP.json names a peer step ("kind") and its files and settings; bench.py writes it. Loading
the data is untimed unless the step is the load itself, like on Workbench's side. Preprocessing
matches Workbench's: missing numbers → training median, missing text → most frequent value,
text one-hot encoded (unseen values → all zeros), numbers standardised for linear, knn and mlp.
"""
import json
import resource
import sys
import time

import numpy as np

TARGET = "target"


def peak_rss_mb():
    """This process's peak resident memory (VmHWM), as Workbench's side reports it. Not ru_maxrss:
    Linux carries it across exec, so it would report the suite's own peak (the 10M rows it holds
    while preparing the data) for every peer step."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def read_pandas(path):
    import pandas as pd
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def split_xy(frame):
    return frame.drop(columns=[TARGET]), frame[TARGET].astype(str).to_numpy()


def preprocessor(frame, scale):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    numbers = [c for c in frame.columns if frame[c].dtype.kind in "fi"]
    texts = [c for c in frame.columns if c not in numbers]
    number_steps = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    return ColumnTransformer([
        ("numbers", make_pipeline(*number_steps), numbers),
        ("texts", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False)), texts),
    ])


def estimator(algorithm, params, rows):
    """The scikit-learn / LightGBM counterpart of a Workbench algorithm with the same settings."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier
    if algorithm == "baseline":
        return DummyClassifier(strategy="prior"), False
    if algorithm == "linear":
        return LogisticRegression(C=1.0, max_iter=100, tol=1e-4), True
    if algorithm == "knn":
        return KNeighborsClassifier(n_neighbors=5, n_jobs=2), True
    if algorithm == "bayes":
        return GaussianNB(), False
    if algorithm == "mlp":
        # Workbench's early_stopping=auto turns early stopping on from 2,000 rows.
        return MLPClassifier(hidden_layer_sizes=(100,), max_iter=int(params.get("max_iter", 200)),
                             early_stopping=rows >= 2000, random_state=42), True
    if algorithm == "tree":
        return DecisionTreeClassifier(random_state=42), False
    if algorithm == "forest":
        return RandomForestClassifier(n_estimators=int(params.get("n_estimators", 100)), n_jobs=2, random_state=42), False
    raise ValueError(f"no peer for {algorithm}")


def lightgbm_model(params):
    import lightgbm as lgb
    return lgb.LGBMClassifier(n_estimators=int(params.get("max_iter", 100)), learning_rate=0.1, num_leaves=31,
                              min_child_samples=20, max_bin=255, num_threads=2, verbose=-1, random_state=42)


def lightgbm_frame(frame, categories=None):
    """LightGBM's own way in: text columns as pandas categoricals (its native categorical splits)."""
    import pandas as pd
    out = frame.copy()
    categories = categories or {}
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith("str"):
            cats = categories.get(c)
            out[c] = pd.Categorical(out[c], categories=cats) if cats is not None else out[c].astype("category")
    return out


def fitted(algorithm, params, train):
    """Fits the peer model on a training frame; returns (model, prepare(frame) → what the model's
    predict / predict_proba take): LightGBM's categorical frame, or the frame itself for a pipeline."""
    x, y = split_xy(train)
    if algorithm == "boost":
        model = lightgbm_model(params)
        lx = lightgbm_frame(x)
        cats = {c: lx[c].cat.categories for c in lx.columns if str(lx[c].dtype) == "category"}
        model.fit(lx, y)
        return model, lambda f: lightgbm_frame(f, cats)
    from sklearn.pipeline import make_pipeline
    model, scale = estimator(algorithm, params, len(train))
    pipeline = make_pipeline(preprocessor(x, scale), model)
    pipeline.fit(x, y)
    return pipeline, lambda f: f


def step_load(spec):
    seconds = []
    if spec["library"] == "polars":
        import polars as pl
        start = time.perf_counter()
        frame = pl.read_csv(spec["data"])
        seconds.append(time.perf_counter() - start)
        rows = frame.height
    else:
        start = time.perf_counter()
        frame = read_pandas(spec["data"])
        seconds.append(time.perf_counter() - start)
        rows = len(frame)
    return {"seconds": seconds, "rows": rows}


def step_describe(spec):
    import polars as pl
    frame = pl.read_csv(spec["data"])
    start = time.perf_counter()
    frame.describe()
    # Workbench's describe also counts each text column's distinct values.
    for c in frame.columns:
        if frame[c].dtype == pl.String:
            frame[c].n_unique()
    return {"seconds": [time.perf_counter() - start]}


def step_split(spec):
    from sklearn.model_selection import train_test_split
    frame = read_pandas(spec["data"])
    start = time.perf_counter()
    train, test = train_test_split(frame, test_size=0.2, stratify=frame[TARGET], random_state=42)
    return {"seconds": [time.perf_counter() - start], "rows": [len(train), len(test)]}


def evaluation_metrics(y, probabilities, classes):
    """What Workbench's `evaluate` reports for a classifier, computed the scikit-learn way: accuracy,
    balanced accuracy, macro precision / recall / F1, log loss, ROC AUC (one-vs-rest macro), Brier
    score, per-class precision / recall / F1 / support, expected calibration error over 10 bins and
    the confusion matrix."""
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, log_loss,
                                 precision_recall_fscore_support, roc_auc_score)
    labels = classes[np.argmax(probabilities, axis=1)]
    accuracy = accuracy_score(y, labels)
    balanced_accuracy_score(y, labels)
    precision_recall_fscore_support(y, labels, labels=classes, average="macro", zero_division=0)
    precision_recall_fscore_support(y, labels, labels=classes, zero_division=0)
    log_loss(y, probabilities, labels=classes)
    onehot = (y[:, None] == classes[None, :]).astype(float)
    if len(classes) == 2:
        roc_auc_score(onehot[:, 1], probabilities[:, 1])
        scored = probabilities[:, 1]
        hit = onehot[:, 1]
    else:
        roc_auc_score(onehot, probabilities, average="macro", multi_class="ovr")
        scored = probabilities.max(axis=1)
        hit = (labels == y).astype(float)
    np.mean(np.sum((probabilities - onehot) ** 2, axis=1))
    bins = np.minimum((scored * 10).astype(int), 9)
    counts = np.bincount(bins, minlength=10)
    gaps = np.abs(np.bincount(bins, weights=hit, minlength=10) - np.bincount(bins, weights=scored, minlength=10))
    float(gaps.sum() / max(1, counts.sum()))
    confusion_matrix(y, labels, labels=classes)
    return float(accuracy)


SINGLE_ROW_CALLS = 15


def step_fit_predict(spec):
    """seconds: [fit, predict (probabilities and labels of every test row), evaluate (the same plus
    every metric), one row (median of SINGLE_ROW_CALLS calls on the test file's first row)]."""
    train, test = read_pandas(spec["train"]), read_pandas(spec["test"])
    start = time.perf_counter()
    model, prepare = fitted(spec["algorithm"], spec.get("params", {}), train)
    fit_seconds = time.perf_counter() - start
    x, y = split_xy(test)
    classes = model.classes_.astype(str)
    start = time.perf_counter()
    probabilities = model.predict_proba(prepare(x))
    classes[np.argmax(probabilities, axis=1)]
    predict_seconds = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = evaluation_metrics(y, model.predict_proba(prepare(x)), classes)
    evaluate_seconds = time.perf_counter() - start
    one_row = x.iloc[:1]
    single = []
    for _ in range(SINGLE_ROW_CALLS):
        start = time.perf_counter()
        classes[np.argmax(model.predict_proba(prepare(one_row)), axis=1)]
        single.append(time.perf_counter() - start)
    return {"seconds": [fit_seconds, predict_seconds, evaluate_seconds, float(np.median(single))], "quality": accuracy}


def step_cross_validate(spec):
    """Every algorithm, k folds, on Workbench's own fold assignment (folds file from bench.py)."""
    from sklearn.metrics import accuracy_score
    frame = read_pandas(spec["data"])
    folds = np.loadtxt(spec["folds"], dtype=int)
    start = time.perf_counter()
    best = 0.0
    for algorithm in spec["algorithms"]:
        scores = []
        for k in range(int(folds.max()) + 1):
            train, test = frame[folds != k], frame[folds == k]
            model, prepare = fitted(algorithm, spec.get("params", {}).get(algorithm, {}), train)
            x, y = split_xy(test)
            scores.append(accuracy_score(y, model.predict(prepare(x))))
        best = max(best, float(np.mean(scores)))
    return {"seconds": [time.perf_counter() - start], "quality": best}


def psi(reference, current, bins=10):
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1) / len(reference)
    c = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1) / len(current)
    r, c = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    return float(np.sum((c - r) * np.log(c / r)))


def step_validate(spec):
    """Score a trained model on fresh rows and test every feature for drift (KS + PSI, chi²)."""
    from scipy.stats import chi2_contingency, ks_2samp
    from sklearn.metrics import accuracy_score
    train, fresh = read_pandas(spec["train"]), read_pandas(spec["fresh"])
    model, prepare = fitted(spec["algorithm"], spec.get("params", {}), train)
    start = time.perf_counter()
    x, y = split_xy(fresh)
    labels = model.predict(prepare(x))
    accuracy = accuracy_score(y, labels)
    flagged = 0
    for c in x.columns:
        if x[c].dtype.kind in "fi":
            a, b = train[c].dropna().to_numpy(), x[c].dropna().to_numpy()
            flagged += (ks_2samp(a, b).pvalue < 0.05) or psi(a, b) > 0.2
        else:
            table = [train[c].value_counts(), x[c].value_counts()]
            keys = sorted(set(table[0].index) | set(table[1].index))
            counts = np.array([[t.get(k, 0) for k in keys] for t in table])
            flagged += chi2_contingency(counts)[1] < 0.05
    return {"seconds": [time.perf_counter() - start], "quality": float(accuracy), "drifted": int(flagged)}


def step_save(spec):
    """The peer's deployable artefact: the fitted LightGBM model pickled with joblib."""
    import joblib
    train = read_pandas(spec["train"])
    model, _ = fitted(spec["algorithm"], spec.get("params", {}), train)
    start = time.perf_counter()
    joblib.dump(model, spec["out"])
    return {"seconds": [time.perf_counter() - start]}


def step_onnxruntime(spec):
    """ONNX Runtime on the model.onnx Workbench exported, same rows; quality = max |Δp| against
    the probabilities Workbench wrote for those rows (max Δp)."""
    import onnxruntime as ort
    import pandas as pd
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(spec["model"], options, providers=["CPUExecutionProvider"])
    frame = read_pandas(spec["data"])
    feed = {}
    for i in session.get_inputs():
        column = frame[i.name]
        if i.type == "tensor(string)":
            feed[i.name] = column.fillna("").astype(str).to_numpy(dtype=object).reshape(-1, 1)
        else:
            feed[i.name] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64).reshape(-1, 1)
    start = time.perf_counter()
    outputs = session.run(None, feed)
    seconds = time.perf_counter() - start
    names = [o.name for o in session.get_outputs()]
    result = {"seconds": [seconds]}
    if spec.get("reference") and "probabilities" in names:
        mine = np.asarray(outputs[names.index("probabilities")], dtype=np.float64)
        theirs = read_pandas(spec["reference"])
        columns = [c for c in theirs.columns if c.startswith("probability_")]
        result["quality"] = float(np.max(np.abs(mine[:, :len(columns)] - theirs[columns].to_numpy(dtype=np.float64))))
    return result


# The data verbs, as an analyst writes them in each library (eager, default settings). The CSV is
# read before the clock starts; quality is the result's row count, compared with Workbench's.
VERBS = {
    "filter1": (lambda pl, d, _: d.filter(pl.col("num_00") > 0.5),
                lambda d, _: d[d["num_00"] > 0.5]),
    "filter3": (lambda pl, d, _: d.filter((pl.col("num_00") > 0.5) & (pl.col("cat_color") == "red") & (pl.col("num_16") < 3000)),
                lambda d, _: d[(d["num_00"] > 0.5) & (d["cat_color"] == "red") & (d["num_16"] < 3000)]),
    "derive": (lambda pl, d, _: d.with_columns((pl.col("num_00") * pl.col("num_01") + pl.col("num_02") / 3).alias("z")),
               lambda d, _: d.assign(z=d["num_00"] * d["num_01"] + d["num_02"] / 3)),
    "sort": (lambda pl, d, _: d.sort("num_16", maintain_order=True, nulls_last=True),
             lambda d, _: d.sort_values("num_16", kind="stable")),
    "join": (lambda pl, d, lookup: d.join(lookup, on="cat_region", how="inner"),
             lambda d, lookup: d.merge(lookup, on="cat_region", how="inner")),
    "group": (lambda pl, d, _: d.group_by("cat_region").agg(pl.col("num_16").mean().alias("m"), pl.len().alias("n")),
              lambda d, _: d.groupby("cat_region", dropna=False).agg(m=("num_16", "mean"), n=("num_16", "size"))),
}


def step_verb(spec):
    if spec["library"] == "polars":
        import polars as pl
        frame = pl.read_csv(spec["data"])
        lookup = pl.read_csv(spec["lookup"]) if spec.get("lookup") else None
        operation = VERBS[spec["verb"]][0]
        start = time.perf_counter()
        result = operation(pl, frame, lookup)
        seconds = time.perf_counter() - start
        rows = result.height
    else:
        frame = read_pandas(spec["data"])
        lookup = read_pandas(spec["lookup"]) if spec.get("lookup") else None
        operation = VERBS[spec["verb"]][1]
        start = time.perf_counter()
        result = operation(frame, lookup)
        seconds = time.perf_counter() - start
        rows = len(result)
    return {"seconds": [seconds], "quality": rows}


STEPS = {"verb": step_verb, "load": step_load, "describe": step_describe, "split": step_split, "fit_predict": step_fit_predict,
         "cross_validate": step_cross_validate, "validate": step_validate, "save": step_save,
         "onnxruntime": step_onnxruntime}

if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    result = STEPS[spec["kind"]](spec)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
