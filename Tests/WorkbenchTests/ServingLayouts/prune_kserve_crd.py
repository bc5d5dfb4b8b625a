"""Regenerates kserve-inferenceservice-v1beta1.json, the part of KServe's InferenceService CRD
schema (config/crd/full/serving.kserve.io_inferenceservices.yaml) that the manifests of
`export … format=kserve` use: along every path they write, the full list of the fields KServe
defines there (with their types), so check_layouts.py can refuse a field KServe does not know or a
value of the wrong type without the 2 MB CRD in the repository.

    python3 prune_kserve_crd.py CRD.yaml SOURCE MANIFEST.yaml... > kserve-inferenceservice-v1beta1.json
"""
import json
import sys

import yaml

SHALLOW = ("type", "x-kubernetes-int-or-string", "format")


def shallow(schema):
    return {k: schema[k] for k in SHALLOW if k in schema}


def prune(schema, values):
    node = {k: schema[k] for k in SHALLOW + ("required", "enum") if k in schema}
    if "properties" in schema:
        node["properties"] = {}
        for key, sub in sorted(schema["properties"].items()):
            used = [v[key] for v in values if isinstance(v, dict) and key in v]
            node["properties"][key] = prune(sub, used) if used else shallow(sub)
    if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        node["additionalProperties"] = shallow(schema["additionalProperties"])
    if "items" in schema:
        items = [item for v in values if isinstance(v, list) for item in v]
        node["items"] = prune(schema["items"], items) if items else shallow(schema["items"])
    return node


crd_path, source, manifests = sys.argv[1], sys.argv[2], sys.argv[3:]
crd = yaml.safe_load(open(crd_path))
version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1beta1")
values = [yaml.safe_load(open(m)) for m in manifests]
pruned = prune(version["schema"]["openAPIV3Schema"], values)
json.dump({"source": source, "schema": pruned}, sys.stdout, indent=1, sort_keys=True)
print()
