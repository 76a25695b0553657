"""Regenerates the ReLU-MLP fixture of tests/Xwp.Tests (CI does not run it; the outputs are committed).

Run from this folder with Debian's PyTorch 1.13 (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 make_relu_mlp_fixture.py
It writes a scripted Sequential Linear 20->24, ReLU, Linear 24->10, ReLU, Linear 10->4 (a Linear after the
first ReLU, so the rank-1 path leaves out units that stay 0), its untrained state_dict, 64 inputs with about
half the features exactly 0, targets, and XWP (probabilities of the target, paper eq. 4) computed literally:
reset column i of the first weight to its untrained value and run the whole model.
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(7)
net = nn.Sequential(nn.Linear(20, 24), nn.ReLU(), nn.Linear(24, 10), nn.ReLU(), nn.Linear(10, 4))
initial = {k: v.clone() for k, v in net.state_dict().items()}

optimizer = torch.optim.SGD(net.parameters(), lr=0.3)
for _ in range(60):
    batch = torch.rand(32, 20)
    labels = (batch[:, :5].sum(1) > 2.5).long() + 2 * (batch[:, 10:15].sum(1) > 2.5).long()
    loss = nn.functional.cross_entropy(net(batch), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
net.eval()

x = torch.rand(64, 20) * (torch.rand(64, 20) > 0.5).float()
with torch.no_grad():
    targets = net(x).argmax(1)
    trained_w = net[0].weight.clone()
    reference = torch.softmax(net(x), 1)
    signs = 2 * nn.functional.one_hot(targets, 4).float() - 1
    maps = torch.zeros(64, 20)
    for i in range(20):
        w = trained_w.clone()
        w[:, i] = initial["0.weight"][:, i]
        net[0].weight.copy_(w)
        maps[:, i] = ((reference - torch.softmax(net(x), 1)) * signs).sum(1)
    net[0].weight.copy_(trained_w)

torch.jit.script(net).save("xwp_relu_mlp.pt")
torch.save(initial, "xwp_relu_mlp_init_state.pt")
np.save("xwp_relu_mlp_inputs.npy", x.numpy().astype(np.float32))
np.save("xwp_relu_mlp_targets.npy", targets.numpy().astype(np.int64))
np.save("xwp_relu_mlp_xwp.npy", maps.numpy().astype(np.float32))
