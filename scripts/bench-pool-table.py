"""Lays out scripts/bench-pool.sh's figures as one Markdown table with ratios (PoolKit / peer).

Arguments: PoolCompare's tab-separated rows, the folder ordo-one/benchmark wrote its influx
export to (allocations per iteration of 1,024 cycles), and pgbench -S's tps.
"""
import csv
import glob
import os
import re
import sys

rows_path, alloc_dir, pgbench_tps = sys.argv[1], sys.argv[2], float(sys.argv[3])

table = []  # (group, case, metric, poolkit, peer, peer name, higher is better)
with open(rows_path) as rows:
    for line in rows:
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 7:
            continue
        group, name, metric, poolkit, peer, peer_name, better = fields
        table.append((group, name, metric, float(poolkit), float(peer), peer_name, better == "higher"))

# ordo-one/benchmark's influx export (CSV): measurement, host, processor, processors, memory,
# kernel, metric, unit, test, percentile, value, ... One iteration is 1,024 cycles, so the median
# mallocs per iteration / 1,024 = allocations per cycle.
mallocs = {}
for path in glob.glob(os.path.join(alloc_dir, "**", "*"), recursive=True):
    if not os.path.isfile(path):
        continue
    with open(path) as export:
        for fields in csv.reader(export):
            if len(fields) < 11 or fields[0].startswith("#"):
                continue
            metric, test, percentile, value = fields[6].lower(), fields[8], fields[9], fields[10]
            if "malloc" in metric and "total" in metric and percentile in ("50.0", "50"):
                mallocs[test] = float(value) / 1024
for key in sorted(mallocs):
    match = re.match(r"(PoolKit|postgres-nio|PoolKit-own-source) cycle: (.*)", key)
    if not match or match.group(1) != "PoolKit":
        continue
    peer = mallocs.get("postgres-nio cycle: " + match.group(2))
    if peer is not None:
        table.append(("allocations", match.group(2).replace(" / ", ", ").replace("connections", "pool"),
                      "mallocs/cycle", mallocs[key], peer, "postgres-nio pool", False))

print("| group | case | metric | PoolKit | peer | peer value | PoolKit / peer | better |")
print("|---|---|---|---:|---|---:|---:|:-:|")


def fmt(value):
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


for group, name, metric, poolkit, peer, peer_name, higher in table:
    ratio = poolkit / peer if peer else float("inf") if poolkit else 1.0
    wins = (poolkit >= peer) if higher else (poolkit <= peer)
    print(f"| {group} | {name} | {metric} | {fmt(poolkit)} | {peer_name} | {fmt(peer)} | {ratio:.2f}× | {'yes' if wins else 'no'} |")

for group, name, metric, poolkit, peer, peer_name, higher in table:
    if group == "server" and metric == "queries/s" and name.startswith("PK lookup"):
        print(f"| server | {name} | queries/s vs pgbench -S -c 8 -j 2 | {fmt(poolkit)} | pgbench -S | {fmt(pgbench_tps)} | {poolkit / pgbench_tps:.2f}× | {'yes' if poolkit >= 0.8 * pgbench_tps else 'no'} (≥ 0.8×) |")
