#!/usr/bin/env python3
"""batch_attack.py PORT PID [SECONDS] [CLIENTS] [KIND]: issue 19's batch attack on 127.0.0.1 only.

CLIENTS threads (default 4) POST 1 MiB bodies to /v1/predict back to back for SECONDS (default
20): KIND "empty" sends {"rows":[{},{},...]} (the issue's body), "rows" sends real rows up to the
server's row limit (scored in full). Meanwhile a prober GETs /healthz every 20 ms on a connection
of its own. Prints the probes' p50 / p99 / max latency, the attack's answers by status, and the
server's resident memory (VmRSS) before, at its peak during, and 3 s after the burst."""
import http.client
import json
import sys
import threading
import time

port, pid = int(sys.argv[1]), int(sys.argv[2])
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 4
kind = sys.argv[5] if len(sys.argv) > 5 else "empty"
MIB = 1 << 20


def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


if kind == "empty":
    body = ("{\"rows\":[" + ",".join(["{}"] * ((MIB - 20) // 3)) + "]}").encode()
else:
    row = json.dumps({"island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181,
                      "body_mass_g": 3750, "sex": "male", "year": 2007})
    count = min(10_000, (MIB - 20) // (len(row) + 1))
    body = ("{\"rows\":[" + ",".join([row] * count) + "]}").encode()
assert len(body) <= MIB, len(body)

stop = threading.Event()
statuses = {}
lock = threading.Lock()
peak = [0.0]


def attack():
    connection = None
    while not stop.is_set():
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/v1/predict", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except Exception as error:  # noqa: BLE001 - counted, the attack goes on
            with lock:
                statuses[type(error).__name__] = statuses.get(type(error).__name__, 0) + 1
            connection = None


def watch_memory():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.05)


before = rss_mb()
latencies = []
probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
threads = [threading.Thread(target=attack) for _ in range(clients)] + [threading.Thread(target=watch_memory)]
for t in threads:
    t.start()
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    start = time.perf_counter()
    probe.request("GET", "/healthz")
    probe.getresponse().read()
    latencies.append((time.perf_counter() - start) * 1000)
    time.sleep(0.02)
stop.set()
for t in threads:
    t.join()
time.sleep(3)
after = rss_mb()
latencies.sort()


def q(p):
    return latencies[min(len(latencies) - 1, max(0, int(p * len(latencies) + 0.999999) - 1))]


print(f"attack: {clients} clients x 1 MiB '{kind}' bodies for {seconds:g} s; answers {dict(sorted(statuses.items(), key=str))}")
print(f"/healthz probes: {len(latencies)}; p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, max {latencies[-1]:.2f} ms")
print(f"server RSS: before {before:.0f} MB, peak {peak[0]:.0f} MB, 3 s after {after:.0f} MB")
