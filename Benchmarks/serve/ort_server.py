#!/usr/bin/env python3
"""ort_server.py MODEL.onnx PORT: the honest minimal Python counterpart of `workbench serve` for
the benchmark. Python's ThreadingHTTPServer; POST /v1/predict takes one JSON row (or
{"rows": [...]}), feeds ONNX Runtime one [N,1] tensor per column (double, NaN = missing; string,
"" = missing) and answers {"model", "predictions": [{"label", "probabilities", "warnings"}]} like
Workbench. No validation beyond what the conversion needs, no metrics, no log."""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import onnxruntime as ort

model_path, port = sys.argv[1], int(sys.argv[2])
options = ort.SessionOptions()
options.intra_op_num_threads = 1  # requests run in parallel threads already
session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
inputs = session.get_inputs()
outputs = [o.name for o in session.get_outputs()]
# Class names in probability-column order, from the bundle's manifest beside model.onnx.
with open(os.path.join(os.path.dirname(model_path), "manifest.json")) as f:
    classes = json.load(f)["classes"]


def feed(rows):
    out = {}
    for spec in inputs:
        if spec.type == "tensor(string)":
            out[spec.name] = np.array([[("" if r.get(spec.name) is None else str(r.get(spec.name)))] for r in rows], dtype=object)
        else:
            out[spec.name] = np.array([[np.nan if r.get(spec.name) is None else float(r.get(spec.name))] for r in rows], dtype=np.float64)
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path != "/v1/predict":
            return self.answer(404, {"error": "no route", "details": []})
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length))
            rows = body["rows"] if isinstance(body, dict) and "rows" in body else [body]
            result = session.run(outputs, feed(rows))
        except Exception as error:  # a client error, as Workbench would answer it
            return self.answer(400, {"error": str(error), "details": []})
        labels, probabilities = result[0], result[1] if len(result) > 1 else None
        predictions = []
        for i, label in enumerate(labels):
            label = label.decode() if isinstance(label, bytes) else str(label)
            p = probabilities[i] if probabilities is not None else {}
            if not isinstance(p, dict):
                p = {(classes[k] if k < len(classes) else str(k)): float(v) for k, v in enumerate(p)}
            predictions.append({"label": label, "probabilities": {str(k): float(v) for k, v in p.items()}, "warnings": []})
        self.answer(200, {"model": model_path, "predictions": predictions})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # wrk closes its connections at the end of a run; that is not an error


Server(("127.0.0.1", port), Handler).serve_forever()
