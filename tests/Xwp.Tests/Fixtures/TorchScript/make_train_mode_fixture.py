"""Writes a scripted CNN saved in training mode (the commonest slip: torch.jit.script without .eval() first), for the
test that xwp runs it in eval mode from the first forward on (CI does not run this; the outputs are committed):

- train_mode_bn.pt: [N, 1, 6, 6] -> Conv2d 1->2 (3x3) -> BatchNorm2d(2, momentum 0.5) -> ReLU -> Flatten -> Linear 32->3,
  scripted while training, with running statistics from three batches of shifted noise;
- train_mode_bn_inputs.npy [4, 1, 6, 6], train_mode_bn_targets.npy [4];
- train_mode_bn_saliency.npy: the signed gradient of the target's logit in eval mode (running statistics, as saved).

A forward in training mode normalises by the batch's own statistics and moves the running ones halfway towards
them (momentum 0.5), so one stray forward before eval mode changes every later map.

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_train_mode_fixture.py
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, momentum=0.5), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))
model.train()
with torch.no_grad():
    for _ in range(3):
        model(torch.randn(8, 1, 6, 6) * 2 + 1)
torch.jit.script(model).save("train_mode_bn.pt")

x = torch.rand(4, 1, 6, 6)
y = torch.tensor([0, 1, 2, 1])
np.save("train_mode_bn_inputs.npy", x.numpy())
np.save("train_mode_bn_targets.npy", y.numpy())

model.eval()
xg = x.clone().requires_grad_(True)
(grad,) = torch.autograd.grad(model(xg).gather(1, y[:, None]).sum(), xg)
np.save("train_mode_bn_saliency.npy", grad.numpy())
