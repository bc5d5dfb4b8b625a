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
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "columns": columns, "peak_bytes": peak}))
