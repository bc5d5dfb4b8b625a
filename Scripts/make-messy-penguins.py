#!/usr/bin/env python3
"""Writes examples/penguins_messy.csv: examples/penguins.csv dressed up like a raw field export,
for the data checks of issue 22 (column roles, left-out columns, the messy-file golden session).

Same 344 rows, same order, same species labels and measurements; only bookkeeping is added:

- `studyName` (constant PAL0708) and `Region` (constant Anvers): constants
- `Sample Number`: 1, 2, 3, … counting up within each species (a sequence identifier)
- `Individual ID`: N1A1, N1A2, N2A1, … one per row (a unique identifier)
- `Island` and `Sex` upper-cased (BISCOE, FEMALE), `Species` as before
- measurements renamed as in the raw export (`Culmen Length (mm)`, …)
- `Date Egg`: the row's `year` with a pseudo-random November day, written M/D/YY (`11/9/07`);
  `year` itself is not kept; 3 rows have no date
- `Comments`: pseudo-random field notes, mostly different, empty in about a quarter of rows

The pseudo-random choices come from a fixed linear congruential generator (no `random` module),
so the file is byte-for-byte reproducible, and none of them depends on the species.

    python3 Scripts/make-messy-penguins.py && python3 Scripts/embed-resources.py
"""
import csv
import io
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

state = 20261205


def draw(n: int) -> int:
    """0 ..< n from a 32-bit LCG (Numerical Recipes constants)."""
    global state
    state = (1664525 * state + 1013904223) % 2**32
    return (state >> 8) % n


PHRASES = [
    "Nest never observed with full clutch",
    "Adult not sampled, chick only",
    "Blood sample taken for isotopes",
    "Measured twice; second reading kept",
    "Banded on left flipper",
    "Egg found cold on second visit",
]

with open(os.path.join(ROOT, "examples", "penguins.csv"), encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))

out = io.StringIO()
writer = csv.writer(out, lineterminator="\n")
writer.writerow(["studyName", "Sample Number", "Species", "Region", "Island", "Individual ID", "Date Egg",
                 "Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex", "Comments"])
counters = {}
for i, row in enumerate(rows):
    species = row["species"]
    counters[species] = counters.get(species, 0) + 1
    day = 1 + draw(30)
    date = "" if i in (17, 160, 301) else f"11/{day}/{row['year'][2:]}"
    if draw(4) == 0:
        comment = ""
    else:
        comment = f"{PHRASES[draw(len(PHRASES))]} (nest {1 + draw(400)}, visit {1 + draw(5)})"
    writer.writerow(["PAL0708", counters[species], species, "Anvers", row["island"].upper(),
                     f"N{i // 2 + 1}A{i % 2 + 1}", date, row["bill_length_mm"], row["bill_depth_mm"],
                     row["flipper_length_mm"], row["body_mass_g"], row["sex"].upper(), comment])

with open(os.path.join(ROOT, "examples", "penguins_messy.csv"), "w", encoding="utf-8", newline="") as f:
    f.write(out.getvalue())
