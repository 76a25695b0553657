#!/usr/bin/env python3
"""Time PyTorch and Captum on the work that `xwp bench` times.

Reads a folder written by `xwp bench --export DIR` (the 784-400-100-10 network as two PyTorch
state_dicts, the inputs, the targets, Xwp's maps of the first images and manifest.json with every
method's settings) or by `xwp bench --torchscript MODEL.pt --inputs X.npy --export DIR` (the same
without the network: the manifest names the scripted model, which is loaded with torch.jit.load),
runs each method's peer with those settings and writes JSON:

- images/s: for each method several batch sizes (and Captum's perturbations_per_eval or
  internal_batch_size where it has one) are tried, each timed as the best of --repeat calls after a
  warm-up call; the fastest is reported, so the peer is measured where it is fastest;
- max_abs_diff: for the methods without randomness, the largest absolute difference between the
  peer's map and Xwp's map of the same images (null for sampled methods: their maps differ by design).

Needs torch and Captum 0.7 (`pip install torch captum`). Run through bench/peers/run.sh, which also
runs `xwp bench` with the same settings and prints the joined table.
"""

import argparse
import copy
import datetime
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn

import captum
from captum.attr import (
    LRP,
    InputXGradient,
    IntegratedGradients,
    KernelShap,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
)


def build_network(sizes, state_dict_path):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    net = nn.Sequential(*layers)
    net.load_state_dict(torch.load(state_dict_path))
    return net.eval()


class Work:
    """The exported 784-400-100-10 network (two state_dicts), inputs [N, 784] and targets."""

    def __init__(self, folder):
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        if self.manifest["activation"] != "relu":
            sys.exit(f"peers.py: the exported network uses {self.manifest['activation']}; this script builds ReLU networks only.")
        sizes = self.manifest["network"]
        self.net = build_network(sizes, os.path.join(folder, "trained.pt"))
        self.initial = build_network(sizes, os.path.join(folder, "initial.pt"))
        self.inputs = torch.from_numpy(np.load(os.path.join(folder, "inputs.npy")))
        self.targets = torch.from_numpy(np.load(os.path.join(folder, "targets.npy")))
        self.folder = folder
        self.classes = sizes[-1]

    def forward(self, space):
        """The function the attribution explains: softmax probabilities or logits, on [N, D] rows."""
        net = self.net
        if space == "probabilities":
            return lambda x: torch.softmax(net(x.reshape(x.shape[0], -1)), dim=1)
        return lambda x: net(x.reshape(x.shape[0], -1))


class ScriptWork:
    """A scripted model (any architecture) with the exported inputs [N, 1, 28, 28] and targets."""

    def __init__(self, folder, manifest):
        self.manifest = manifest
        self.net = torch.jit.load(manifest["model"]).eval()
        self.inputs = torch.from_numpy(np.load(os.path.join(folder, "inputs.npy")))
        self.targets = torch.from_numpy(np.load(os.path.join(folder, "targets.npy")))
        self.folder = folder

    def forward(self, space):
        net = self.net
        if space == "probabilities":
            return lambda x: torch.softmax(net(x), dim=1)
        return net


def load_work(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") == "torchscript":
        return ScriptWork(folder, manifest), script_peer
    return Work(folder), peer


# --- plain-PyTorch XWP -------------------------------------------------------------------------


def xwp_rank1(work, x, t, space, pairs_chunk, complement=False):
    """XWP (or XWP^c, by itself) through the rank-1 identity: resetting column i of the first layer
    adds x_i (W0 - W)[:, i] to its pre-activation; only non-zero pixels are evaluated."""
    net = work.net
    w, b = net[0].weight, net[0].bias
    w0 = work.initial[0].weight
    head = net[1:]
    out_fn = (lambda z: torch.softmax(z, dim=1)) if space == "probabilities" else (lambda z: z)
    with torch.no_grad():
        delta = (w0 - w).t().contiguous()  # [D, H1]: row i is (W0 - W)[:, i]
        h = x @ (w0 if complement else w).t() + b  # [N, H1]
        reference = out_fn(head(h))  # f with every column trained (XWP) or every column at θ0 (XWP^c)
        indicator = torch.full((x.shape[0], work.classes), -1.0)
        indicator[torch.arange(x.shape[0]), t] = 1.0
        result = torch.zeros_like(x)
        rows, cols = x.nonzero(as_tuple=True)
        for start in range(0, rows.shape[0], pairs_chunk):
            n = rows[start:start + pairs_chunk]
            i = cols[start:start + pairs_chunk]
            step = x[n, i].unsqueeze(1) * delta[i]
            hp = h[n] - step if complement else h[n] + step
            f = out_fn(head(hp))
            diff = f - reference[n] if complement else reference[n] - f
            result[n, i] = (diff * indicator[n]).sum(dim=1)
    return result


def xwp_column_swap(work, x, t, space):
    """XWP as the paper defines it: for each feature, copy the trained first-layer weight, put column
    i back to θ0 and run the whole network on the batch."""
    net = work.net
    w, b = net[0].weight, net[0].bias
    w0 = work.initial[0].weight
    head = net[1:]
    out_fn = (lambda z: torch.softmax(z, dim=1)) if space == "probabilities" else (lambda z: z)
    with torch.no_grad():
        reference = out_fn(head(x @ w.t() + b))
        indicator = torch.full((x.shape[0], work.classes), -1.0)
        indicator[torch.arange(x.shape[0]), t] = 1.0
        result = torch.empty_like(x)
        for i in range(x.shape[1]):
            swapped = w.clone()
            swapped[:, i] = w0[:, i]
            f = out_fn(head(x @ swapped.t() + b))
            result[:, i] = ((reference - f) * indicator).sum(dim=1)
    return result


# --- one configured peer per method ------------------------------------------------------------


def image_view(p):
    h, w = p["image_shape"]
    return h, w


def peer(work, key, p):
    """A function (x, t, config) -> map, and the configurations to try: batch sizes and the peer's own
    batching argument. Configurations are listed from small to large work per call."""
    space = p.get("output_space", "probabilities")
    f = work.forward(space)

    if key == "xwp" or key == "xwpc":
        complement = key == "xwpc"
        run = lambda x, t, c: xwp_rank1(work, x, t, space, c["pairs_chunk"], complement)
        configs = [{"batch": b, "pairs_chunk": k} for b in (256, 1024, 4096) for k in (1024, 4096, 16384)]
        return run, configs

    if key == "xwp-literal":
        return (lambda x, t, c: xwp_column_swap(work, x, t, space)), [{"batch": b} for b in (8, 32, 128)]

    if key == "occlusion":
        h, w = image_view(p)
        occlusion = Occlusion(f)

        def run(x, t, c):
            return occlusion.attribute(
                x.reshape(-1, 1, h, w), target=t, baselines=p["baseline"],
                sliding_window_shapes=(1, *p["window"]), strides=(1, *p["stride"]),
                perturbations_per_eval=c["perturbations_per_eval"]).reshape(x.shape[0], -1)

        configs = [{"batch": b, "perturbations_per_eval": k}
                   for b in (16, 64, 256, 1024) for k in (1, 8, 32, 169) if b * k <= 65536]
        return run, configs

    if key == "kernelshap":
        run = coalition_run(KernelShap(f), p, torch.tensor(p["feature_mask"]).reshape(1, -1))
        return run, [{"batch": b, "perturbations_per_eval": k} for b in (1, 16) for k in (50, 500)]

    if key == "svs":
        run = coalition_run(ShapleyValueSampling(f), p, torch.tensor(p["feature_mask"]).reshape(1, -1))
        configs = [{"batch": b, "perturbations_per_eval": k}
                   for b in (16, 64, 256, 1024) for k in (1, 7, 49) if b * k <= 16384]
        return run, configs

    if key == "ig":
        run = ig_run(f, p)
        steps = p["n_steps"]
        # Fewer rows per pass run faster here (they stay in cache), so small batches and chunks are tried too.
        configs = [{"batch": b, "internal_batch_size": k}
                   for b in (16, 64, 256, 1024, 4096) for k in (None, 2048, 8192)
                   if (k is None and b * steps <= 16384) or (k is not None and k < b * steps)]
        return run, configs

    large = [{"batch": b} for b in (256, 1024, 4096, 16384, 65536)]
    if key == "lrp":
        if space != "logits" or p["rule"] != "epsilon":
            sys.exit("peers.py: the LRP peer runs Captum's default ε-rule from the logits only.")
        if not math.isclose(p["epsilon"], 1e-9):
            sys.exit(f"peers.py: Captum's default LRP rule has ε = 1e-9; the manifest asks for {p['epsilon']}.")
        lrp = LRP(copy.deepcopy(work.net))  # Captum attaches rules and hooks to the layers it is given
        return (lambda x, t, c: lrp.attribute(x, target=t)), large

    if key == "saliency":
        saliency = Saliency(f)
        return (lambda x, t, c: saliency.attribute(x, target=t, abs=p["abs"])), large

    if key == "inputxgradient":
        ixg = InputXGradient(f)
        return (lambda x, t, c: ixg.attribute(x, target=t)), large

    return None, None


def coalition_run(explainer, p, mask):
    """A call of Captum's KernelShap or ShapleyValueSampling (same arguments) with the manifest's settings."""
    def run(x, t, c):
        return explainer.attribute(x, target=t, baselines=p["baseline"], feature_mask=mask,
                                   n_samples=p["n_samples"], perturbations_per_eval=c["perturbations_per_eval"])

    return run


def ig_run(f, p):
    """A call of Captum's IntegratedGradients with the manifest's steps and rule."""
    ig = IntegratedGradients(f)

    def run(x, t, c):
        return ig.attribute(x, target=t, baselines=p["baseline"], n_steps=p["n_steps"],
                            method=p["method"], internal_batch_size=c["internal_batch_size"])

    return run


def script_peer(work, key, p):
    """The same as `peer` for a scripted model on inputs [N, 1, H, W]: Occlusion, KernelSHAP and IG, the
    generic methods `xwp bench --torchscript` times. At most the exported images fit in a batch."""
    f = work.forward(p.get("output_space", "probabilities"))
    h, w = work.inputs.shape[-2:]

    if key == "occlusion":
        occlusion = Occlusion(f)

        def run(x, t, c):
            return occlusion.attribute(x, target=t, baselines=p["baseline"], sliding_window_shapes=(1, *p["window"]),
                                       strides=(1, *p["stride"]), perturbations_per_eval=c["perturbations_per_eval"])

        windows = ((h - p["window"][0]) // p["stride"][0] + 1) * ((w - p["window"][1]) // p["stride"][1] + 1)
        return run, [{"batch": b, "perturbations_per_eval": k} for b in (1, 8, 32) for k in (1, 8, 32, windows)]

    if key == "kernelshap":
        run = coalition_run(KernelShap(f), p, torch.tensor(p["feature_mask"]).reshape(1, 1, h, w))
        return run, [{"batch": b, "perturbations_per_eval": k} for b in (1, 8) for k in (50, 500)]

    if key == "ig":
        steps = p["n_steps"]
        return ig_run(f, p), [{"batch": b, "internal_batch_size": k} for b in (1, 8, 32) for k in (None, 100, 400)
                     if k is None or k < b * steps]

    return None, None


# --- timing ------------------------------------------------------------------------------------


def timed(call, repeat):
    """Seconds of the best of `repeat` calls after one warm-up call, and the last result."""
    start = time.perf_counter()
    result = call()
    warm = time.perf_counter() - start
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, warm, result


def bench_method(work, peer_of, entry, repeat, max_seconds, log):
    key = entry["key"]
    run, configs = peer_of(work, key, entry["parameters"])
    if run is None:
        log(f"  {key}: no peer in this script, skipped")
        return None
    images = entry["images"]
    # No batch above the images Xwp is timed on: larger ones are cut to that count (and then tried once).
    todo, seen = [], set()
    for c in configs:
        c = {**c, "batch": min(c["batch"], images)}
        name = json.dumps(c, sort_keys=True)
        if name not in seen:
            seen.add(name)
            todo.append(c)
    tried = []
    seconds_per_image = None
    for c in todo:
        batch = c["batch"]
        if seconds_per_image is not None and seconds_per_image * batch * (repeat + 1) > max_seconds:
            tried.append({**c, "skipped": "estimated to take longer than --max-seconds"})
            continue
        x = work.inputs[:batch]
        t = work.targets[:batch]
        seconds, warm, _ = timed(lambda: run(x, t, c), repeat)
        rate = batch / seconds
        # The next configuration is as large or larger: estimate it from this one, not from the fastest so far.
        seconds_per_image = min(warm, seconds) / batch
        tried.append({**c, "seconds": seconds, "images_per_second": rate})
        log(f"  {key}: {json.dumps(c)} -> {rate:,.1f} images/s")
    measured = [c for c in tried if "images_per_second" in c]
    best = max(measured, key=lambda c: c["images_per_second"])

    result = {
        "key": key,
        "peer": entry["peer"],
        "images_per_second": best["images_per_second"],
        "best": {k: v for k, v in best.items() if k not in ("seconds", "images_per_second")},
        "tried": tried,
        "max_abs_diff": None,
        "max_abs_xwp": None,
        "compared_images": 0,
    }
    if entry["deterministic"] and entry.get("map"):
        expected = torch.from_numpy(np.load(os.path.join(work.folder, entry["map"])))
        n = expected.shape[0]
        got = run(work.inputs[:n], work.targets[:n], {**best, "batch": n}).detach()
        per_image = (got - expected).abs().reshape(n, -1).amax(dim=1)
        result["max_abs_diff"] = float(per_image.max())
        # A ReLU whose pre-activation is within rounding of 0 can go either way on the two sides; that
        # shows as one image with a larger difference, so the count separates it from a systematic one.
        result["images_above_1e-6"] = int((per_image > 1e-6).sum())
        result["max_abs_xwp"] = float(expected.abs().max())
        result["compared_images"] = n
        log(f"  {key}: max |peer - xwp| = {result['max_abs_diff']:.2e} on {n} images (max |xwp| = {result['max_abs_xwp']:.2e}, "
            f"{result['images_above_1e-6']} images above 1e-6)")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", required=True, help="folder written by `xwp bench [--torchscript MODEL.pt --inputs X.npy] --export DIR`")
    parser.add_argument("--threads", type=int, help="torch threads (default: the count in the manifest, as xwp used)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per configuration after a warm-up; the best counts")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="skip a configuration whose warm-up and repeats are estimated to take longer")
    parser.add_argument("--methods", help="comma-separated method keys (default: every method in the manifest)")
    parser.add_argument("--out", help="write the JSON here (default: standard output)")
    args = parser.parse_args()

    work, peer_of = load_work(args.export)
    threads = args.threads or work.manifest["threads"]
    torch.set_num_threads(threads)
    torch.manual_seed(0)  # Captum's samplers draw from torch's global generator
    # Captum warns that KernelShap fits one model per example (the work timed here) and that inputs get requires_grad.
    warnings.filterwarnings("ignore", category=UserWarning, module="captum")
    keys = set(args.methods.split(",")) if args.methods else None
    log = lambda s: print(s, file=sys.stderr, flush=True)
    log(f"peers.py: torch {torch.__version__}, Captum {captum.__version__}, {threads} thread(s), best of {args.repeat}")

    results = []
    for entry in work.manifest["methods"]:
        if keys is not None and entry["key"] not in keys:
            continue
        r = bench_method(work, peer_of, entry, args.repeat, args.max_seconds, log)
        if r is not None:
            results.append(r)

    document = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
        "command": " ".join(["peers.py"] + sys.argv[1:]),
        "torch": torch.__version__,
        "captum": captum.__version__,
        "threads": threads,
        "repeat": args.repeat,
        "methods": results,
    }
    text = json.dumps(document, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
