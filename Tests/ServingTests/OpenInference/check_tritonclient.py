"""The Open Inference Protocol (/v2) of `workbench serve` through the official Python client,
tritonclient[http]: metadata, readiness, infer on a batch of fresh rows giving exactly /v1's labels
and probabilities, and malformed requests answered 4xx with the protocol's {"error": "..."} body.

    python3 check_tritonclient.py PORT MODEL_NAME FRESH_ROWS.csv

Prints one line per check and exits non-zero if any failed.
"""
import csv
import json
import sys
import urllib.error
import urllib.request

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

port, model, fresh = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
client = httpclient.InferenceServerClient(url=f"127.0.0.1:{port}")
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def raw(method, path, body=None, headers=None):
    """Status and body of a request sent without the client (for what it refuses to send)."""
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# Health and metadata.
check("server live", client.is_server_live())
check("server ready", client.is_server_ready())
check("model ready", client.is_model_ready(model))
check("model ready, version 1", client.is_model_ready(model, "1"))
check("another model is not ready", not client.is_model_ready("no_such_model"))
server = client.get_server_metadata()
check("server metadata", server.get("name") == "workbench" and isinstance(server.get("version"), str) and server.get("extensions") == [], server)
metadata = client.get_model_metadata(model)
check("model metadata: name and version", metadata["name"] == model and metadata["versions"] == ["1"], metadata)
inputs = metadata["inputs"]
check("model metadata: [-1, 1] inputs, BYTES or FP64", all(i["shape"] == [-1, 1] and i["datatype"] in ("BYTES", "FP64") for i in inputs), inputs)
outputs = {o["name"]: o for o in metadata["outputs"]}
check("model metadata: label and probabilities", outputs["label"]["datatype"] == "BYTES" and outputs["probabilities"]["datatype"] == "FP64"
      and outputs["probabilities"]["shape"][0] == -1, outputs)

# A batch of fresh rows, as the client sends them: one [N, 1] tensor per input.
with open(fresh, newline="") as f:
    rows = list(csv.DictReader(f))
names = [i["name"] for i in inputs]


def column(name, datatype, chosen):
    if datatype == "BYTES":
        return np.array([[r[name]] for r in chosen], dtype=np.object_)
    return np.array([[float(r[name]) if r[name] != "" else np.nan] for r in chosen], dtype=np.float64)


def tensors(chosen, binary=False):
    out = []
    for i in inputs:
        t = httpclient.InferInput(i["name"], [len(chosen), 1], i["datatype"])
        t.set_data_from_numpy(column(i["name"], i["datatype"], chosen), binary_data=binary)
        out.append(t)
    return out


requested = [httpclient.InferRequestedOutput("label", binary_data=False), httpclient.InferRequestedOutput("probabilities", binary_data=False)]
result = client.infer(model, tensors(rows), outputs=requested, request_id="fresh-batch")
labels = [x.decode() if isinstance(x, bytes) else x for x in result.as_numpy("label").reshape(-1)]
probabilities = result.as_numpy("probabilities")
response = result.get_response()
check("infer: id echoed", response.get("id") == "fresh-batch", response.get("id"))
check("infer: shapes", probabilities.shape[0] == len(rows) and len(labels) == len(rows), probabilities.shape)
classes = json.loads(next(o for o in response["outputs"] if o["name"] == "probabilities")["parameters"]["classes"])

kinds = {i["name"]: i["datatype"] for i in inputs}
v1_rows = [{k: None if v == "" else (float(v) if kinds[k] == "FP64" else v) for k, v in r.items() if k in kinds} for r in rows]
status, body = raw("POST", "/v1/predict", json.dumps({"rows": v1_rows}).encode(), {"Content-Type": "application/json"})
v1 = json.loads(body)["predictions"]
check("infer: /v1/predict answered", status == 200, body[:200])
check("infer: the labels of /v1/predict", labels == [p["label"] for p in v1], (labels[:5], [p["label"] for p in v1][:5]))
v1_probabilities = np.array([[p["probabilities"][c] for c in classes] for p in v1])
difference = float(np.max(np.abs(v1_probabilities - probabilities)))
check(f"infer: the probabilities of /v1/predict ({len(rows)} rows, largest difference {difference})", difference == 0.0, difference)

# Without requested outputs the client asks for binary outputs; the server answers JSON tensors, which it reads.
all_outputs = client.infer(model, tensors(rows[:3]))
check("infer without requested outputs", list(all_outputs.as_numpy("probabilities").shape) == [3, len(classes)])
# A missing number as the client writes it: NaN.
missing = [dict(rows[0])]
for i in inputs:
    if i["datatype"] == "FP64":
        missing[0][i["name"]] = ""
        break
check("infer: NaN for a missing number", client.infer(model, tensors(missing), outputs=requested).as_numpy("label").shape[0] == 1)


def refused(name, make, status="400", contains=""):
    try:
        make()
        check(name, False, "answered 200")
    except InferenceServerException as error:
        check(name, error.status() == status and contains in (error.message() or ""), f"{error.status()} {error.message()}")


def with_input(name, change):
    def make():
        ts = tensors(rows[:2])
        index = names.index(name)
        ts[index] = change(ts[index])
        return client.infer(model, ts, outputs=requested)
    return make


text_input = next(i["name"] for i in inputs if i["datatype"] == "BYTES")
number_input = next(i["name"] for i in inputs if i["datatype"] == "FP64")


def wrong_datatype(_):
    t = httpclient.InferInput(number_input, [2, 1], "BYTES")
    t.set_data_from_numpy(np.array([["a"], ["b"]], dtype=np.object_), binary_data=False)
    return t


def wrong_shape(_):
    t = httpclient.InferInput(number_input, [1, 2], "FP64")
    t.set_data_from_numpy(np.array([[1.0, 2.0]]), binary_data=False)
    return t


def three_rows(_):
    t = httpclient.InferInput(number_input, [3, 1], "FP64")
    t.set_data_from_numpy(np.array([[1.0], [2.0], [3.0]]), binary_data=False)
    return t


def unknown(_):
    t = httpclient.InferInput("no_such_input", [2, 1], "FP64")
    t.set_data_from_numpy(np.array([[1.0], [2.0]]), binary_data=False)
    return t


refused("malformed: wrong datatype", with_input(number_input, wrong_datatype), contains="datatype BYTES")
refused("malformed: wrong shape", with_input(number_input, wrong_shape), contains="one value per row")
refused("malformed: length mismatch between inputs", with_input(number_input, three_rows), contains="every input tensor holds the same rows")
refused("malformed: unknown input", with_input(number_input, unknown), contains="has no input 'no_such_input'")
refused("malformed: missing input", lambda: client.infer(model, tensors(rows[:2])[1:], outputs=requested), contains="no tensor for input")
refused("malformed: binary tensor data", lambda: client.infer(model, tensors(rows[:2], binary=True), outputs=requested), contains="binary")
refused("malformed: unknown model", lambda: client.infer("no_such_model", tensors(rows[:2])), status="404")

for name, body, expected in [
    ("non-JSON", b"{\"inputs\": [", 400),
    ("a JSON array", b"[1, 2, 3]", 400),
    ("huge", b"{\"inputs\": [{\"name\": \"x\", \"data\": [\"" + b"x" * (2 << 20) + b"\"]}]}", 413),
]:
    status, text = raw("POST", f"/v2/models/{model}/infer", body, {"Content-Type": "application/json"})
    try:
        error = json.loads(text)
    except ValueError:
        error = None
    check(f"malformed: {name} -> {expected}, {{\"error\": ...}}", status == expected and isinstance(error, dict) and list(error) == ["error"], f"{status} {text[:200]}")

print(f"tritonclient interop: {0 if failures else 1} passed, {1 if failures else 0} failed" + (f" ({', '.join(failures)})" if failures else ""))
sys.exit(1 if failures else 0)
