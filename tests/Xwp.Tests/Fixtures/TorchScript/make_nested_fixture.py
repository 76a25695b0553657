"""Writes lrp_script_nested.pt, an nn.Sequential with an nn.Sequential inside (a common way to group blocks), which LRP
refuses with advice to flatten the chain (CI does not run this; the output is committed):
[N, 6] -> Sequential(Linear 6->4, ReLU) -> Linear 4->3.

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_nested_fixture.py
"""
import torch
from torch import nn

torch.manual_seed(0)
torch.jit.script(nn.Sequential(nn.Sequential(nn.Linear(6, 4), nn.ReLU()), nn.Linear(4, 3)).eval()).save("lrp_script_nested.pt")
