#!/usr/bin/env python3
"""Reference multiple-testing adjustments for MultipleTestingParityTests, from statsmodels.

Run from the repository root:  python3 Tests/LearningTests/Reference/statsmodels_multitest_reference.py
Writes statsmodels_multitest_reference.json beside this script (`pip install statsmodels` first).
With --check (.ci/run) it writes nothing and fails when the installed statsmodels disagrees with
the committed file (adjusted p-values beyond 1e-12, or any rejection), so the fixture Swift is
tested against stays statsmodels' answer.

Each case is a vector of p-values; for each of statsmodels.stats.multitest.multipletests'
methods "holm", "fdr_bh" and "bonferroni" at alpha = 0.05 the file keeps the adjusted p-values
(`pvals_corrected`) and the rejections (`reject`, i.e. adjusted p <= alpha). The vectors cover
hand-made edge cases (one test, ties, zeros and ones, a p-value exactly on the Bonferroni line,
unsorted input) and seeded random families of the sizes validate meets (4 to 640 features; null
p-values uniform, a few signals from Beta(0.1, 20)), plus the raw KS / chi-square p-values of the
example fresh and drifted files from scipy_drift_reference.json.
"""
import json
import os
import sys

import numpy as np
import statsmodels
from statsmodels.stats.multitest import multipletests

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHA = 0.05
METHODS = ["holm", "fdr_bh", "bonferroni"]


def cases():
    yield "one test", [0.03]
    yield "one test above alpha", [0.2]
    yield "hand example", [0.01, 0.04, 0.03, 0.005]
    yield "ties", [0.01, 0.01, 0.02, 0.02, 0.5, 0.01]
    yield "zeros and ones", [0.0, 1.0, 0.0, 0.3, 1.0]
    yield "exactly on the Bonferroni line", [0.0125, 0.5, 0.9, 0.7]
    yield "capped at one", [0.4, 0.6, 0.8, 0.9]
    yield "tiny", [1e-300, 1e-20, 3e-5, 0.049, 0.051]
    rng = np.random.default_rng(21)
    for m in (4, 8, 10, 20, 30, 64, 256):
        for signals in (0, 1, 3):
            p = rng.random(m)
            hit = rng.choice(m, size=min(signals, m), replace=False)
            p[hit] = rng.beta(0.1, 20, size=len(hit))
            yield f"random m={m} signals={signals}", [float(v) for v in p]
    drift = os.path.join(HERE, "scipy_drift_reference.json")
    with open(drift) as f:
        for pair in json.load(f)["pairs"]:
            raw = []
            for name in sorted(pair["features"]):
                feature = pair["features"][name]
                raw.append(feature["ks_pvalue"] if feature["kind"] == "number" else feature["chi2_pvalue"])
            yield f"{pair['reference']} vs {pair['current']}", raw


def main():
    out = {"statsmodels_version": statsmodels.__version__, "alpha": ALPHA, "cases": []}
    for name, p in cases():
        case = {"name": name, "p_values": p}
        for method in METHODS:
            reject, adjusted, _, _ = multipletests(p, alpha=ALPHA, method=method)
            case[method] = {"adjusted": [float(v) for v in adjusted], "reject": [bool(v) for v in reject]}
        out["cases"].append(case)
    if "--check" in sys.argv[1:]:
        check(out)
        return
    # One case a line: the file stays small and its diffs readable.
    body = ",\n  ".join(json.dumps(c, separators=(",", ":")) for c in out["cases"])
    with open(os.path.join(HERE, "statsmodels_multitest_reference.json"), "w") as f:
        f.write('{"statsmodels_version": %s, "alpha": %s, "cases": [\n  %s\n]}\n'
                % (json.dumps(out["statsmodels_version"]), json.dumps(ALPHA), body))


def check(out):
    with open(os.path.join(HERE, "statsmodels_multitest_reference.json")) as f:
        committed = json.load(f)
    problems = []
    if len(committed["cases"]) != len(out["cases"]):
        problems.append(f"{len(committed['cases'])} committed cases, {len(out['cases'])} now")
    for mine, theirs in zip(committed["cases"], out["cases"]):
        for method in METHODS:
            a, b = mine[method], theirs[method]
            if a["reject"] != b["reject"] or any(abs(x - y) > 1e-12 for x, y in zip(a["adjusted"], b["adjusted"])):
                problems.append(f"{mine['name']} {method}")
    if problems:
        raise SystemExit(f"statsmodels {out['statsmodels_version']} disagrees with the committed fixture: " + ", ".join(problems))
    print(f"multiple testing: statsmodels {out['statsmodels_version']} agrees with the committed fixture ({len(out['cases'])} cases x {len(METHODS)} methods)")


if __name__ == "__main__":
    main()
