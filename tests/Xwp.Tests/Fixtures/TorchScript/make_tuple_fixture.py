"""Writes tuple.pt, a scripted model whose forward returns a tuple (logits, features), for the tests of
the error xwp gives on it (CI does not run this; the output is committed).

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_tuple_fixture.py
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
