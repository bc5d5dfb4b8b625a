#!/usr/bin/env python3
"""Helpers of protocol.sh, standard library only.
    protocol.py bodies FRESH.csv TYPES.json OUT_DIR   request bodies, 1 row and 100 rows, for each server
    protocol.py check KIND RESPONSE ROWS TYPES.json [REFERENCE]
                                                      is this 200 answer sane? (else exit 1)
    protocol.py table RESULTS DURATION CONNECTIONS    the run's table: medians over rounds, ratios
A batch of 100 takes the fresh rows in order, from the first again after the last."""
import csv
import json
import statistics
import sys


def bodies(fresh, types_path, out):
    types = json.load(open(types_path))
    with open(fresh, newline="") as f:
        records = list(csv.DictReader(f))
    columns = types["numeric"] + types["text"]

    def value(r, c):
        if r[c] == "":
            return None
        return float(r[c]) if c in types["numeric"] else r[c]

    for n in (1, 100):
        chosen = [records[i % len(records)] for i in range(n)]
        rows = [{c: value(r, c) for c in columns} for r in chosen]
        # /v1/predict: one row as an object, a batch as {"rows": [...]}.
        json.dump(rows[0] if n == 1 else {"rows": rows}, open(f"{out}/v1-{n}.json", "w"))
        # Open Inference Protocol: one [N, 1] tensor per input.
        inputs = [{"name": c, "shape": [n, 1], "datatype": "FP64" if c in types["numeric"] else "BYTES",
                   "data": [row[c] for row in rows]} for c in columns]
        json.dump({"inputs": inputs}, open(f"{out}/v2-{n}.json", "w"))
        # MLServer's scikit-learn runtime: the same tensors, decoded as one pandas frame (its
        # columns by name, as the pipeline's ColumnTransformer wants them), asking for labels and
        # probabilities as Workbench answers them.
        json.dump({"parameters": {"content_type": "pd"}, "inputs": inputs,
                   "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}, open(f"{out}/mlserver-{n}.json", "w"))


def check(kind, response_path, rows, types_path, reference=None):
    classes = json.load(open(types_path))["classes"]
    answer = json.load(open(response_path))
    if kind == "v1":
        predictions = answer["predictions"]
        labels = [p["label"] for p in predictions]
        probabilities = [[p["probabilities"][c] for c in classes] for p in predictions]
    else:
        outputs = {o["name"]: o for o in answer["outputs"]}
        label, proba = ("predict", "predict_proba") if kind == "mlserver" else ("label", "probabilities")
        labels = [x if isinstance(x, str) else str(x) for x in outputs[label]["data"]]
        flat = outputs[proba]["data"]
        probabilities = [flat[i * len(classes):(i + 1) * len(classes)] for i in range(len(flat) // len(classes))]
    problems = []
    if len(labels) != rows or len(probabilities) != rows:
        problems.append(f"{len(labels)} labels and {len(probabilities)} rows of probabilities for {rows} rows")
    if any(x not in classes for x in labels):
        problems.append(f"labels outside {classes}: {sorted(set(labels) - set(classes))}")
    if any(abs(sum(p) - 1) > 1e-6 for p in probabilities):
        problems.append("probabilities that do not sum to 1")
    agreement = ""
    if reference:
        expected = json.load(open(reference))[:rows]
        same = sum(a == b for a, b in zip(labels, expected))
        agreement = f", {same}/{rows} labels as Workbench /v1"
        if same < 0.9 * rows:  # a peer's own fit may differ on a few rows, not on most
            problems.append(f"only {same} of {rows} labels agree with Workbench /v1")
    if problems:
        print(f"FAIL {kind} {rows} rows: " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"ok   {kind} {rows} row{'s' if rows > 1 else ''}: 200, {rows} labels, probabilities sum to 1{agreement}")
    return labels


def table(results_path, duration, connections):
    runs = {}
    for line in open(results_path):
        round_, server, rows, rps, p50, p99, errors, rss = line.split()
        server = server.replace("_", " ")  # protocol.sh writes the name as one word
        runs.setdefault((server, int(rows)), []).append((float(rps), float(p50), float(p99), int(errors), float(rss)))
    rounds = max(len(v) for v in runs.values())
    print(f"wrk 2 threads, {connections} connections, {duration} s per server and body after a 3 s warm-up; "
          f"{rounds} round{'s' if rounds > 1 else ''}, medians (req/s of each round in the last column)")
    print(f"{'server, endpoint':<44} {'rows':>4} {'req/s':>8} {'rows/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'peak RSS MiB':>12}  rounds")
    median = {}
    for (server, rows), values in runs.items():
        rps, p50, p99 = (statistics.median(v[i] for v in values) for i in range(3))
        errors, rss = sum(v[3] for v in values), max(v[4] for v in values)
        median[server, rows] = (rps, p99)
        each = " ".join(f"{v[0]:.0f}" for v in values)
        print(f"{server:<44} {rows:>4} {rps:>8.0f} {rps * rows:>9.0f} {p50:>7.2f} {p99:>7.2f} {errors:>6} {rss:>12.1f}  {each}")
    v1, v2 = "workbench /v1/predict", "workbench /v2/models/linear/infer"
    for rows in (1, 100):
        if (v1, rows) in median and (v2, rows) in median:
            ratio = median[v2, rows][0] / median[v1, rows][0]
            print(f"{rows:>3} row{'s' if rows > 1 else ' '}: Workbench /v2 {ratio:.2f}x the requests/s of /v1 "
                  f"(goal >= 0.90), p99 {median[v2, rows][1]:.2f} ms (goal < 5)")
        for peer in [s for s, r in median if r == rows and not s.startswith("workbench")]:
            if (v2, rows) in median:
                print(f"{rows:>3} row{'s' if rows > 1 else ' '}: Workbench /v2 {median[v2, rows][0] / median[peer, rows][0]:.1f}x "
                      f"the requests/s of {peer}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "bodies":
        bodies(*args)
    elif command == "check":
        kind, response, rows, types = args[:4]
        labels = check(kind, response, int(rows), types, args[4] if len(args) > 4 else None)
        if kind == "v1" and len(args) == 4:  # Workbench's own /v1 answer is the reference of the others
            json.dump(labels, open(response + ".labels", "w"))
    elif command == "table":
        table(*args)
    else:
        sys.exit(f"unknown command {command}")
