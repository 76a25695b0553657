"""Trains a small PyTorch MLP on Fashion-MNIST and saves checkpoints for `xwp explain --checkpoints`.

    /usr/bin/python3 docs/xwp-along-training.py DATA_DIR OUT_DIR
DATA_DIR holds the four Fashion-MNIST idx .gz files; OUT_DIR is created when missing. Writes OUT_DIR/model.pt (the scripted architecture),
c0.pt (before the first step), c1.pt, c2.pt, c3.pt (state_dicts after 20, 100 and 600 steps of batch 64),
X.npy (the first test image of classes 0, 1, 7 and 9) and Y.npy (their labels). Then:
    xwp explain --torchscript OUT_DIR/model.pt --checkpoints OUT_DIR/c0.pt,OUT_DIR/c1.pt,OUT_DIR/c2.pt,OUT_DIR/c3.pt \\
        --inputs OUT_DIR/X.npy --targets OUT_DIR/Y.npy --method xwp --out A.npy --picture xwp-along-training.png
"""
import gzip
import os
import sys

import numpy as np
import torch
from torch import nn


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


if len(sys.argv) != 3:
    sys.exit("usage: xwp-along-training.py DATA_DIR OUT_DIR")
data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)  # torch.save does not create folders ("Parent directory ... does not exist")
x_train = torch.tensor(idx(f"{data}/train-images-idx3-ubyte.gz", 16).reshape(-1, 784) / 255.0, dtype=torch.float32)
y_train = torch.tensor(idx(f"{data}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
x_test = idx(f"{data}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784) / 255.0
y_test = idx(f"{data}/t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(784, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
saves = {0: "c0", 20: "c1", 100: "c2", 600: "c3"}
for step in range(601):
    if step in saves:
        torch.save(net.state_dict(), f"{out}/{saves[step]}.pt")
    if step == 600:
        break
    batch = torch.randint(0, len(x_train), (64,))
    loss = nn.functional.cross_entropy(net(x_train[batch]), y_train[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

net.eval()
torch.jit.script(net).save(f"{out}/model.pt")
rows = [int(np.argmax(y_test == c)) for c in (0, 1, 7, 9)]
np.save(f"{out}/X.npy", x_test[rows].astype(np.float32))
np.save(f"{out}/Y.npy", y_test[rows])
with torch.no_grad():
    accuracy = (net(torch.tensor(x_test, dtype=torch.float32)).argmax(1).numpy() == y_test).mean()
print(f"test accuracy after 600 steps: {accuracy:.4f}")
