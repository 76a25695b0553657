#!/usr/bin/env python3
"""Join the JSON of `peers.py` and of `xwp bench --json` into one Markdown table.

Usage: table.py PEERS.json XWP.json [COMMAND]
       table.py --batches PEERS.json   (prints KEY=N,... : the images per call each peer was fastest at)
Per method: Xwp's images/s, the peer's best images/s (and the batch it was fastest at), Xwp / peer,
and the largest absolute difference between the two maps (methods without randomness only).
"""

import json
import sys


def rate(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--batches":
        with open(sys.argv[2], encoding="utf-8") as f:
            print(",".join(f"{m['key']}={m['best']['batch']}" for m in json.load(f)["methods"]))
        return
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2])
    with open(sys.argv[1], encoding="utf-8") as f:
        peers = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        xwp = json.load(f)
    by_key = {m["key"]: m for m in peers["methods"]}

    print(f"# Xwp against PyTorch/Captum — {xwp['date']}")
    print()
    if len(sys.argv) == 4:
        print(f"Command: `{sys.argv[3]}`")
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
            print(f"{r['method']} fast path: {r['useful_gflops']:.1f} useful GFLOP/s = {100 * r['matmul_share']:.0f}% of a plain "
                  f"[16384, 400] x [400, 100] matmul ({fast['matmul_gflops']:.1f} GFLOP/s), {fast['images']:,} images.")


if __name__ == "__main__":
    main()
