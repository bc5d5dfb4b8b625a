#!/usr/bin/env python3
"""Deterministic synthetic binary-classification CSV generator (numpy only).

    python3 Benchmarks/data/gen_synth.py N [--seed 42] [--out FILE]     (default: stdout)

Columns (23): num_00..num_19 (numeric), cat_color (5 levels), cat_region
(12 levels), target ("yes"/"no"). About 1% of the 22 feature cells are empty
(missing completely at random); the target is never missing.

Reproducibility: every value is derived from the raw 64-bit output of
numpy's PCG64 bit generator (seeded through SeedSequence(seed)); the
Generator distribution methods are deliberately not used, because numpy does
not promise their streams across versions, whereas PCG64/SeedSequence output
is fixed by the algorithm. Each row consumes exactly DRAWS_PER_ROW raw draws in
row order, so the output for (N, seed) is byte-for-byte stable and the first k
rows of an N-row file equal the k-row file. Numbers are rounded with np.round
and printed with a fixed number of decimals.

Columns:
  num_00..num_09  standard normal                         4 decimals
  num_10..num_14  0.6*num_0k + 0.8*noise (correlated)     4 decimals
  num_15          40 + 12*z   (age-like)                  1 decimal
  num_16          1000*exp(1 + 0.75*z) (skewed, income)   2 decimals
  num_17          uniform [0, 1)                          4 decimals
  num_18          0.001*z   (tiny scale)                  6 decimals
  num_19          geometric-like count, mean ~2.5         integer
  cat_color       red/green/blue/yellow/purple, p = .35/.25/.20/.15/.05
  cat_region      r01..r12, skewed (r01 most frequent)
Label: logit = -0.3 + 1.0*x0 - 0.8*x1 + 0.6*x2*x3 + 0.8*(|x4| - 0.8)
               + 0.7*[x5 > 0.5] + 0.5*x10 - 0.4*(x15-40)/12 + 0.4*z16
               + effect(cat_color) + effect(cat_region)
               + 1.0*[cat_color == purple and x6 > 0]
       target = "yes" if u < 1/(1+exp(-logit)) else "no"   (computed before
       missing values are punched in; num_07..num_09, num_11..num_14 and
       num_17..num_19 carry no direct signal).
"""
import argparse
import sys

import numpy as np

DRAWS_PER_ROW = 48          # 20 normals (20 uniforms, Box-Muller) + extras
CHUNK = 1 << 16
N_NUM = 20
COLORS = np.array(["red", "green", "blue", "yellow", "purple"])
COLOR_CUM = np.array([0.35, 0.60, 0.80, 0.95, 1.0])
COLOR_EFFECT = np.array([0.5, 0.0, -0.5, 0.25, 1.0])
REGIONS = np.array([f"r{i:02d}" for i in range(1, 13)])
REGION_EFFECT = np.array([0.6, 0.6, 0.6, 0, 0, 0, 0, 0, 0, -0.4, -0.4, -0.4])
DECIMALS = [4] * 15 + [1, 2, 4, 6, 0]
HEADER = [f"num_{i:02d}" for i in range(N_NUM)] + ["cat_color", "cat_region", "target"]
P_MISSING = 0.01


def to_unit(raw):
    """uint64 -> float64 in [0, 1) using the top 53 bits."""
    return (raw >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def block(bitgen, n):
    u = to_unit(bitgen.random_raw(n * DRAWS_PER_ROW).reshape(n, DRAWS_PER_ROW))
    # Box-Muller on 10 pairs -> 20 standard normals
    u1 = 1.0 - u[:, 0:10]                      # (0, 1]
    u2 = u[:, 10:20]
    r = np.sqrt(-2.0 * np.log(u1))
    t = 2.0 * np.pi * u2
    z = np.concatenate([r * np.cos(t), r * np.sin(t)], axis=1)   # n x 20

    x = np.empty((n, N_NUM))
    x[:, 0:10] = z[:, 0:10]
    x[:, 10:15] = 0.6 * z[:, 0:5] + 0.8 * z[:, 10:15]
    x[:, 15] = 40.0 + 12.0 * z[:, 15]
    x[:, 16] = 1000.0 * np.exp(1.0 + 0.75 * z[:, 16])
    x[:, 17] = u[:, 20]
    x[:, 18] = 0.001 * z[:, 18]
    x[:, 19] = np.floor(-np.log(1.0 - u[:, 21]) * 2.5)
    for j, d in enumerate(DECIMALS):
        x[:, j] = np.round(x[:, j], d) + 0.0    # + 0.0 turns -0.0 into 0.0

    color = np.searchsorted(COLOR_CUM, u[:, 22], side="right")
    region = np.minimum((u[:, 23] ** 1.6 * 12).astype(np.int64), 11)

    logit = (-0.3 + 1.0 * x[:, 0] - 0.8 * x[:, 1] + 0.6 * x[:, 2] * x[:, 3]
             + 0.8 * (np.abs(x[:, 4]) - 0.8) + 0.7 * (x[:, 5] > 0.5)
             + 0.5 * x[:, 10] - 0.4 * (x[:, 15] - 40.0) / 12.0 + 0.4 * z[:, 16]
             + COLOR_EFFECT[color] + REGION_EFFECT[region]
             + 1.0 * ((color == 4) & (x[:, 6] > 0)))
    p = 1.0 / (1.0 + np.exp(-logit))
    y = u[:, 24] < p

    missing = u[:, 25:25 + N_NUM + 2] < P_MISSING        # n x 22
    return x, color, region, y, missing


def format_block(x, color, region, y, missing):
    cols = []
    for j, d in enumerate(DECIMALS):
        fmt = ("{:.%df}" % d).format
        col = list(map(fmt, x[:, j].tolist()))
        for i in np.flatnonzero(missing[:, j]).tolist():
            col[i] = ""
        cols.append(col)
    for k, (labels, idx) in enumerate(((COLORS, color), (REGIONS, region))):
        col = labels[idx].tolist()
        for i in np.flatnonzero(missing[:, N_NUM + k]).tolist():
            col[i] = ""
        cols.append(col)
    cols.append(np.where(y, "yes", "no").tolist())
    return "".join(",".join(r) + "\n" for r in zip(*cols))


def generate(n, seed, out):
    bitgen = np.random.PCG64(np.random.SeedSequence(seed))
    out.write(",".join(HEADER) + "\n")
    done = 0
    while done < n:
        m = min(CHUNK, n - done)
        out.write(format_block(*block(bitgen, m)))
        done += m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of data rows")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="-", help="output file ('-' = stdout)")
    a = ap.parse_args(argv)
    if a.n < 0:
        ap.error("n must be >= 0")
    if a.out == "-":
        generate(a.n, a.seed, sys.stdout)
        sys.stdout.flush()
    else:
        with open(a.out, "w", encoding="ascii", newline="\n") as fh:
            generate(a.n, a.seed, fh)


if __name__ == "__main__":
    main()
