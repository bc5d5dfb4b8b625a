"""ort_asgi.py: a small ASGI app for uvicorn that answers an Open Inference Protocol (V2) infer
request with ONNX Runtime, the strong Python peer of `workbench serve`'s /v2 in the benchmark.
    ORT_MODEL=DIR/model.onnx uvicorn ort_asgi:app --workers 2 --loop uvloop --http httptools
POST /v2/models/NAME/infer takes one [N, 1] tensor per input (FP64 numbers, BYTES text) and answers
label [N, 1] (BYTES) and probabilities [N, classes] (FP64). Any other request is a 404; a request
that does not fit the model is a 400. No metrics, no log, no checks beyond what the conversion
needs: the cheapest honest server on this path."""
import json
import os

import numpy as np
import onnxruntime as ort

try:
    import orjson  # MLServer brings it; the faster JSON is this peer's to use

    loads, dumps = orjson.loads, orjson.dumps
except ImportError:  # pragma: no cover
    loads, dumps = json.loads, lambda value: json.dumps(value).encode()

model_path = os.environ["ORT_MODEL"]
options = ort.SessionOptions()
options.intra_op_num_threads = 1  # one per worker process; the workers are the parallelism
session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
kinds = {i.name: i.type for i in session.get_inputs()}
output_names = [o.name for o in session.get_outputs()][:2]
with open(os.path.join(os.path.dirname(model_path), "manifest.json")) as f:
    classes = json.load(f)["classes"]


def feed(inputs):
    out = {}
    for tensor in inputs:
        name, data = tensor["name"], tensor["data"]
        if kinds[name] == "tensor(string)":
            out[name] = np.array(data, dtype=object).reshape(-1, 1)
        else:
            out[name] = np.array([np.nan if v is None else v for v in data], dtype=np.float64).reshape(-1, 1)
    return out


def infer(name, body):
    labels, probabilities = session.run(output_names, feed(loads(body)["inputs"]))
    if probabilities.dtype == object:  # a ZipMap: one {class: p} per row
        probabilities = np.array([[row[c] for c in classes] for row in probabilities])
    rows = len(labels)
    return {"model_name": name, "outputs": [
        {"name": "label", "datatype": "BYTES", "shape": [rows, 1], "data": [str(x) for x in labels.reshape(-1)]},
        {"name": "probabilities", "datatype": "FP64", "shape": [rows, len(classes)], "data": probabilities.reshape(-1).tolist()},
    ]}


async def send_json(send, status, value):
    data = dumps(value)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    parts = scope["path"].split("/")
    if scope["method"] != "POST" or len(parts) != 5 or parts[1:3] != ["v2", "models"] or parts[4] != "infer":
        return await send_json(send, 404, {"error": "POST /v2/models/NAME/infer"})
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        answer = infer(parts[3], body)
    except Exception as error:  # a request that does not fit the model
        return await send_json(send, 400, {"error": str(error)})
    await send_json(send, 200, answer)
