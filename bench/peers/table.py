#!/usr/bin/env python3
"""Join the JSON of `peers.py` and of `xwp bench --json` into Markdown tables.

Usage: table.py [--command COMMAND] PEERS.json XWP.json [PEERS.json XWP.json ...]
       table.py --batches PEERS.json   (prints KEY=N,... : the images per call each peer was fastest at)
One table per pair (run.sh passes the 784-400-100-10 network's pair, then the small CNN's). Per method:
Xwp's images/s, the peer's best images/s (and the setting it was fastest at), Xwp / peer, and the largest
absolute difference between the two maps (methods without randomness only).
"""

import json
import sys


def rate(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def print_table(peers, xwp):
    by_key = {m["key"]: m for m in peers["methods"]}
    print(f"xwp: `{xwp['command']}`; peers: torch {peers['torch']}, Captum {peers['captum']}, `{peers['command']}`.")
    print(f"Network {xwp['network']}, {xwp['threads']} thread(s) on both sides, best of {xwp['repeat']} (xwp) and "
          f"{peers['repeat']} (peers) after a warm-up. The peer is timed at several batch sizes and its fastest setting "
          "counts; Xwp is then timed on the same number of images per call.")
    print()
    print("| method | settings | images per call | Xwp images/s | peer | peer images/s | peer's fastest setting | Xwp / peer | max abs diff |")
    print("|---|---|---:|---:|---|---:|---|---:|---:|")
    for m in xwp["methods"]:
        p = by_key.get(m["key"])
        if p is None:
            continue
        best = ", ".join(f"{k} {'all' if v is None else v}" for k, v in p["best"].items())
        if p["max_abs_diff"] is None:
            diff = "n/a (sampled)"
        else:
            diff = (f"{p['max_abs_diff']:.1e} (largest value {p['max_abs_xwp']:.1e}; "
                    f"{p['images_above_1e-6']} of {p['compared_images']} images above 1e-6)")
        print(f"| {m['name']} | {m['settings']} | {m['images']:,} | {rate(m['images_per_second'])} | {p['peer']} "
              f"| {rate(p['images_per_second'])} | {best} | {m['images_per_second'] / p['images_per_second']:.1f}× | {diff} |")
    fast = xwp.get("fast_path")
    if fast:
        print()
        for r in fast["rows"]:
            print(f"{r['method']} fast path: {r['useful_gflops']:.1f} rank-1 GFLOP/s = {100 * r['matmul_share']:.0f}% of a plain "
                  f"[16384, 400] x [400, 100] matmul ({fast['matmul_gflops']:.1f} GFLOP/s), {fast['images']:,} images; "
                  f"performed {r.get('performed_gflops', r['useful_gflops']):.1f} GFLOP/s = "
                  f"{100 * r.get('performed_matmul_share', r['matmul_share']):.0f}% (units that stay 0 after the ReLU left out).")


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--batches":
        print(",".join(f"{m['key']}={m['best']['batch']}" for m in load(args[1])["methods"]))
        return
    command = None
    if len(args) >= 2 and args[0] == "--command":
        command, args = args[1], args[2:]
    if not args or len(args) % 2 != 0:
        sys.exit(__doc__.strip().splitlines()[2])
    pairs = [(load(args[i]), load(args[i + 1])) for i in range(0, len(args), 2)]

    print(f"# Xwp against PyTorch/Captum — {pairs[0][1]['date']}")
    print()
    if command:
        print(f"Command: `{command}`")
        print()
    for i, (peers, xwp) in enumerate(pairs):
        if i > 0:
            print()
            print(f"## {xwp['network']}: the generic (any-model) paths")
            print()
        print_table(peers, xwp)


if __name__ == "__main__":
    main()
