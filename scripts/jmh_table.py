#!/usr/bin/env python3
"""Prints a JMH result file (-rf json) of gapscope's bench/ classes as a table with GB/s and G exp/s.

The work per call follows each class's javadoc: bytes of input read and exps (samples for crowding).
"""
import json
import sys


def work(bench, p):
    """(bytes, exps) of one call, from the benchmark's parameters."""
    g = lambda k, d=0: int(p.get(k, d))
    if bench == "LseBench":
        n = g("batch") * g("vocab")
        return 4 * n, n
    if bench == "SoftmaxBench":
        n = g("batch") * g("vocab")
        return 12 * n, 2 * n
    if bench == "JensenGapBench":
        return 4 * g("batch") * g("heads") * g("vocab"), g("batch") * (g("heads") + 2) * g("vocab")
    if bench == "AttentionBench":
        t = g("seq")
        return 3 * 4 * g("heads") * t * g("headDim"), g("heads") * t * (t + 1) // 2
    if bench == "CrowdingBench":
        return 0, g("n") - 1
    if bench == "PositionalBench":
        return 8 * g("deltas"), g("m") * g("deltas")
    return 0, 0


def main(path):
    rows = json.load(open(path))
    header = ["benchmark", "params", "ms/op", "+-", "GB/s", "G exp/s"]
    table = []
    for r in rows:
        bench = r["benchmark"].split(".")[-2]
        op = r["benchmark"].split(".")[-1]
        p = r.get("params", {})
        m = r["primaryMetric"]
        ms = m["score"]
        if m["scoreUnit"] != "ms/op":
            raise SystemExit(f"unexpected unit {m['scoreUnit']} in {path}")
        nbytes, exps = work(bench, p)
        unit = "G samples/s" if bench == "CrowdingBench" else "G exp/s"
        table.append([f"{bench}.{op}", " ".join(f"{k}={v}" for k, v in p.items()), f"{ms:.3f}",
                      f"{float(m.get('scoreError', 'nan')):.3f}",
                      f"{nbytes / ms / 1e6:.2f}" if nbytes else "-",
                      f"{exps / ms / 1e6:.3f}" + (" (samples)" if unit != "G exp/s" else "")])
    widths = [max(len(str(x[i])) for x in table + [header]) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    main(sys.argv[1])
