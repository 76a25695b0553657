"""Makes the small CNN that bench/peers/run.sh uses for the generic (any-model) paths.

small_cnn.pt: Conv 1->8 3x3, ReLU, MaxPool 2, Conv 8->16 3x3, ReLU, MaxPool 2, Linear 400->10 with seeded
random weights, scripted; small_cnn_inputs.npy: 32 uniform random 28x28 images, float32 [32, 1, 28, 28].
The committed files are this script's output (torch 1.13; a rerun gives bit-identical weights and inputs, the
.pt archive's bytes may differ); they stay fixed so that runs compare. To remake them (into FOLDER, default
this script's folder):
    /usr/bin/python3 make_small_cnn.py [FOLDER]
bench/peers/run.sh times Xwp (`xwp bench --torchscript small_cnn.pt --inputs small_cnn_inputs.npy`) and
Captum on them.
"""
import os
import sys

import numpy as np
import torch
from torch import nn


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


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    model = SmallCnn().eval()
    x = torch.rand(32, 1, 28, 28)
    torch.jit.script(model).save(os.path.join(folder, "small_cnn.pt"))
    np.save(os.path.join(folder, "small_cnn_inputs.npy"), x.numpy())


if __name__ == "__main__":
    main()
