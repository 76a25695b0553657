"""Writes one_output.pt, a scripted MLP with a single output (one binary logit or a regression value) for the CLI tests of
models that need no targets (CI does not run this; the output is committed):
[N, 6] (as mlp_inputs.npy) -> Linear 6->4 -> ReLU -> Linear 4->1.

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_one_output_fixture.py
"""
import torch
from torch import nn

torch.manual_seed(0)
torch.jit.script(nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1)).eval()).save("one_output.pt")
