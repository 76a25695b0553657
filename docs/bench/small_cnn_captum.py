"""Speed of Captum 0.7 on the small CNN of issue "explain your own model", next to `xwp bench --torchscript`.

Makes small_cnn.pt (Conv 1->8 3x3, ReLU, MaxPool 2, Conv 8->16 3x3, ReLU, MaxPool 2, Linear 400->10; seeded
random weights) and small_cnn_inputs.npy ([32, 1, 28, 28]), then times Captum's Occlusion (window 4x4,
stride 2), KernelSHAP (49 superpixels of 4x4, 500 samples) and Integrated Gradients (50 Gauss-Legendre
steps), all on softmax probabilities with baseline 0, with 2 torch threads, best of 3 after a warm-up.
Run from this folder:
    PYTHONPATH=/path/to/captum-0.7.0 /usr/bin/python3 small_cnn_captum.py
then, with the same files:
    xwp bench --torchscript small_cnn.pt --inputs small_cnn_inputs.npy --threads 2
"""
import time

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(2)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


model = SmallCnn().eval()
x = torch.rand(32, 1, 28, 28)
torch.jit.script(model).save("small_cnn.pt")
np.save("small_cnn_inputs.npy", x.numpy())

from captum.attr import IntegratedGradients, KernelShap, Occlusion  # noqa: E402

with torch.no_grad():
    targets = model(x).argmax(1)


def f(inputs):
    return torch.softmax(model(inputs), 1)


superpixels = (torch.arange(28).view(28, 1) // 4 * 7 + torch.arange(28).view(1, 28) // 4).view(1, 1, 28, 28)


def best(run, repeat=3):
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


rows = [
    ("Occlusion 4x4 / 2 (per_eval 1, default)", lambda: Occlusion(f).attribute(
        x, sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2), target=targets)),
    ("Occlusion 4x4 / 2 (per_eval 169)", lambda: Occlusion(f).attribute(
        x, sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2), target=targets, perturbations_per_eval=169)),
    ("KernelSHAP 49 superpixels, 500 samples (per_eval 1, default)", lambda: [KernelShap(f).attribute(
        x[i:i + 1], target=targets[i:i + 1], feature_mask=superpixels, n_samples=500) for i in range(8)]),
    ("KernelSHAP 49 superpixels, 500 samples (per_eval 500)", lambda: [KernelShap(f).attribute(
        x[i:i + 1], target=targets[i:i + 1], feature_mask=superpixels, n_samples=500, perturbations_per_eval=500)
        for i in range(8)]),
    ("IG 50 Gauss-Legendre steps", lambda: IntegratedGradients(f).attribute(x, target=targets, n_steps=50)),
]
print("| Captum 0.7 | images/s |")
print("|---|---:|")
for name, run in rows:
    images = 8 if name.startswith("KernelSHAP") else 32
    print(f"| {name} | {images / best(run):.1f} |")
