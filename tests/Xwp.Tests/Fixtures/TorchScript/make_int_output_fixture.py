"""Writes int_output.pt, a scripted model whose forward returns int64 scores, which every attribution method and
metric must refuse (CI does not run this; the output is committed):
[N, 6] (as mlp_inputs.npy) -> Linear 6->3 -> logits scaled by 100 and rounded to int64 (as a model exported for
an integer-only runtime gives).

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_int_output_fixture.py
"""
import torch
from torch import nn

torch.manual_seed(0)


class IntScores(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return (self.fc(x) * 100).round().to(torch.int64)


torch.jit.script(IntScores().eval()).save("int_output.pt")
