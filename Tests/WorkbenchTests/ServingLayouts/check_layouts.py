"""Checks the layouts `export … format=triton` and `format=kserve` write, with the peers' own
parsers: each config.pbtxt is parsed with protobuf's text format into Triton's ModelConfig message
(tritonclient.grpc.model_config_pb2) and compared with its model.onnx (read with onnx); each
InferenceService manifest is read with a YAML parser and checked against KServe's CRD schema for
v1beta1 (kserve-inferenceservice-v1beta1.json, see prune_kserve_crd.py) and what KServe's docs
require of an ONNX model on the Triton runtime and of a custom predictor.

    python3 check_layouts.py TRITON_DIR KSERVE_DIR MODEL_NAME

Prints one line per check and exits non-zero if any failed.
"""
import json
import os
import re
import sys

import onnx
import yaml
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

triton_dir, kserve_dir, model = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


ONNX_TO_TRITON = {onnx.TensorProto.DOUBLE: model_config_pb2.TYPE_FP64, onnx.TensorProto.FLOAT: model_config_pb2.TYPE_FP32,
                  onnx.TensorProto.STRING: model_config_pb2.TYPE_STRING, onnx.TensorProto.INT64: model_config_pb2.TYPE_INT64,
                  onnx.TensorProto.BOOL: model_config_pb2.TYPE_BOOL}


def check_repository(root, where):
    config_path = os.path.join(root, model, "config.pbtxt")
    graph_path = os.path.join(root, model, "1", "model.onnx")
    check(f"{where}: {model}/config.pbtxt and {model}/1/model.onnx", os.path.isfile(config_path) and os.path.isfile(graph_path))
    config = model_config_pb2.ModelConfig()
    try:
        text_format.Parse(open(config_path).read(), config)
        check(f"{where}: config.pbtxt parses as inference.ModelConfig", True)
    except text_format.ParseError as error:
        check(f"{where}: config.pbtxt parses as inference.ModelConfig", False, error)
        return
    check(f"{where}: name is the folder's", config.name == model, config.name)
    check(f"{where}: platform onnxruntime_onnx", config.platform == "onnxruntime_onnx", config.platform)
    check(f"{where}: max_batch_size set", config.max_batch_size > 0, config.max_batch_size)
    graph = onnx.load(graph_path).graph

    def expected(value):
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in value.type.tensor_type.shape.dim]
        return value.name, ONNX_TO_TRITON.get(value.type.tensor_type.elem_type), dims

    for kind, declared, actual in [("input", config.input, graph.input), ("output", config.output, graph.output)]:
        check(f"{where}: {kind} names and order match the graph", [t.name for t in declared] == [v.name for v in actual],
              ([t.name for t in declared], [v.name for v in actual]))
        for tensor, value in zip(declared, actual):
            name, data_type, dims = expected(value)
            # Batching: the graph's first dimension is the batch (-1); config dims leave it out,
            # and a reshape says the graph's own shape where it differs.
            graph_dims = tensor.reshape.shape if tensor.HasField("reshape") else tensor.dims
            check(f"{where}: {kind} '{name}' datatype and dims", tensor.data_type == data_type and dims[:1] == [-1] and list(graph_dims) == dims[1:],
                  (model_config_pb2.DataType.Name(tensor.data_type), list(tensor.dims), list(tensor.reshape.shape), dims))


check_repository(triton_dir, "format=triton")
check_repository(os.path.join(kserve_dir, "triton"), "format=kserve triton/")

catalogue = json.load(open(os.path.join(here, "kserve-inferenceservice-v1beta1.json")))
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}


def conform(schema, value, path, problems):
    kind = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            problems.append(f"{path}: expected an integer or a string")
        return
    if kind and (not isinstance(value, TYPES[kind]) or (kind in ("integer", "number") and isinstance(value, bool))):
        problems.append(f"{path}: expected {kind}, found {type(value).__name__}")
        return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties")
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}.{key}: required")
        for key, item in value.items():
            if properties is not None and key in properties:
                conform(properties[key], item, f"{path}.{key}", problems)
            elif "additionalProperties" in schema:
                conform(schema["additionalProperties"], item, f"{path}.{key}", problems)
            elif properties is not None:
                problems.append(f"{path}.{key}: not a field of KServe's InferenceService here")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conform(schema["items"], item, f"{path}[{i}]", problems)


def manifest(file):
    path = os.path.join(kserve_dir, file)
    with open(path) as f:
        documents = list(yaml.safe_load_all(f))
    check(f"{file}: one YAML document", len(documents) == 1, len(documents))
    document = documents[0]
    problems = []
    conform(catalogue["schema"], document, "", problems)
    check(f"{file}: conforms to KServe's InferenceService v1beta1 schema ({catalogue['source']})", not problems, problems)
    check(f"{file}: apiVersion and kind", document.get("apiVersion") == "serving.kserve.io/v1beta1" and document.get("kind") == "InferenceService")
    name = document.get("metadata", {}).get("name", "")
    check(f"{file}: metadata.name is an RFC 1123 label", re.fullmatch(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", name) is not None, name)
    labels = document.get("metadata", {}).get("labels", {})
    check(f"{file}: labels are Kubernetes label values", all(re.fullmatch(r"([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]?", str(v)) for v in labels.values()), labels)
    return document.get("spec", {}).get("predictor", {})


onnx_predictor = manifest("inferenceservice-onnx.yaml")
model_spec = onnx_predictor.get("model", {})
check("inferenceservice-onnx.yaml: ONNX model on the Triton runtime over the v2 protocol",
      model_spec.get("modelFormat", {}).get("name") == "onnx" and model_spec.get("runtime") == "kserve-tritonserver"
      and model_spec.get("protocolVersion") == "v2" and model_spec.get("storageUri", "").endswith("/triton"), model_spec)

custom = manifest("inferenceservice-workbench.yaml")
containers = custom.get("containers", [])
container = containers[0] if containers else {}
port = (container.get("ports") or [{}])[0].get("containerPort")
check("inferenceservice-workbench.yaml: one kserve-container running workbench serve on the bundle",
      len(containers) == 1 and container.get("name") == "kserve-container" and container.get("args", [])[:2] == ["serve", "/mnt/models"]
      and str(port) in container.get("args", []), container)
check("inferenceservice-workbench.yaml: STORAGE_URI points at the bundle",
      any(e.get("name") == "STORAGE_URI" and e.get("value", "").endswith("/bundle") for e in container.get("env", [])), container.get("env"))
check("inferenceservice-workbench.yaml: probes on /v2/health",
      container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/v2/health/ready"
      and container.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/v2/health/live")
check("format=kserve: the bundle beside the manifests", os.path.isfile(os.path.join(kserve_dir, "bundle", "manifest.json")))

print(f"serving layouts: {0 if failures else 1} passed, {1 if failures else 0} failed" + (f" ({', '.join(failures)})" if failures else ""))
sys.exit(1 if failures else 0)
