"""Writes scripted models that xwp must refuse with a clear error (CI does not run this; the outputs are committed):
tuple.pt returns a tuple (logits, inputs); nan.pt returns NaN for every output; no_matrix.pt has parameters, but none
with two or more dimensions (nothing for the randomisation test to redraw).

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_error_fixtures.py
"""
from typing import Tuple

import torch
from torch import nn

torch.manual_seed(0)


class TupleMlp(nn.Module):
    """[N, 6] -> Linear 6->3; forward returns (logits, inputs), as many detection/feature models do."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.fc(x), x


torch.jit.script(TupleMlp().eval()).save("tuple.pt")


class NanMlp(nn.Module):
    """[N, 6] -> [N, 3] of NaN, as a model with a diverged weight gives."""

    def forward(self, x):
        return x[:, :3] * float("nan")


torch.jit.script(NanMlp().eval()).save("nan.pt")


class NoMatrix(nn.Module):
    """[N, 6] -> [N, 3]: the first three inputs scaled per class, then LayerNorm; its parameters are all one-dimensional."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.randn(3))
        self.norm = nn.LayerNorm(3)

    def forward(self, x):
        return self.norm(x[:, :3] * self.scale)


torch.jit.script(NoMatrix().eval()).save("no_matrix.pt")
