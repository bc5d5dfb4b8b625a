#!/usr/bin/env python3
"""peer_load.py pandas|polars FILE: one CSV load in this process; prints the same JSON line as csv-bench
(wall seconds, CPU seconds of the load over all threads, shape, peak RSS)."""
import json
import resource
import sys
import time

library, path = sys.argv[1], sys.argv[2]
if library == "pandas":
    import pandas
    read_csv = pandas.read_csv
else:
    import polars
    read_csv = polars.read_csv
cpu = time.process_time()
start = time.perf_counter()
frame = read_csv(path)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu
rows, columns = frame.shape
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
# The same summary as Workbench's describe: count, mean, std, min, quartiles, max; text: distinct, top.
start = time.perf_counter()
if library == "pandas":
    frame.describe(include="all")
else:
    frame.describe()
describe_seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "columns": columns, "peak_bytes": peak,
                  "describe_seconds": describe_seconds}))
