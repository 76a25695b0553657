"""Writes scripted models with BatchNorm layers that keep no running statistics (track_running_stats=False), which
normalise every batch with its own mean and variance even in eval mode (CI does not run this; the outputs are
committed):
batch_stats_mlp.pt: [N, 6] (as mlp_inputs.npy) -> Linear 6->4 -> BatchNorm1d(4) -> ReLU -> Linear 4->3;
batch_stats_cnn.pt: [N, 1, 4, 4] -> Conv2d 1->2 (3x3, padding 1) -> BatchNorm2d(2) -> ReLU -> Flatten -> Linear 32->3,
the BatchNorm nested in a child Sequential.

Run from this folder with Debian's PyTorch 1.13: /usr/bin/python3 make_batch_stats_fixtures.py
"""
import torch
from torch import nn

torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4, track_running_stats=False), nn.ReLU(), nn.Linear(4, 3))
torch.jit.script(mlp.eval()).save("batch_stats_mlp.pt")

features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2, track_running_stats=False), nn.ReLU())
cnn = nn.Sequential(features, nn.Flatten(), nn.Linear(32, 3))
torch.jit.script(cnn.eval()).save("batch_stats_cnn.pt")
