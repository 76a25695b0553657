"""Regenerates the XWP-on-any-model fixtures of tests/Xwp.Tests (CI does not run it; the outputs are committed).

Run from this folder with Debian's PyTorch 1.13 (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 make_xwp_fixtures.py
It writes a scripted MLP with a leading Flatten, BatchNorm1d and Dropout (trained a few steps), its
untrained state_dict and untrained TorchScript file, a state_dict saved halfway through training, a
non-Sequential two-head module with its untrained state_dict, a Sequential whose first layer is a Conv2d,
and XWP / XWP^c computed literally in PyTorch (reset column i of the first weight, run the whole model).
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(1)


def mlp():
    """[N, 3, 4] -> Flatten -> Linear 12->8 -> BatchNorm1d -> ReLU -> Dropout(0.3) -> Linear 8->3 (logits)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3))


class TwoHead(nn.Module):
    """[N, 12] -> fc1 12->6 -> GELU -> (head_a 6->2, head_b 6->1) concatenated: [N, 3]."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 6)
        self.head_a = nn.Linear(6, 2)
        self.head_b = nn.Linear(6, 1)

    def forward(self, x):
        h = nn.functional.gelu(self.fc1(x))
        return torch.cat([self.head_a(h), self.head_b(h)], 1)


def train(net, steps, snapshot_at=None):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
    middle = None
    for step in range(steps):
        if step == snapshot_at:
            middle = {k: v.clone() for k, v in net.state_dict().items()}
        batch = torch.randn(32, 3, 4)
        labels = (batch[:, 0, 0] > 0).long() + (batch[:, 1, 1] > 0.5).long()
        loss = nn.functional.cross_entropy(net(batch), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return middle


def first_weight_swapped(net, weight):
    """A copy of net whose first Linear weight is `weight`."""
    import copy
    other = copy.deepcopy(net)
    with torch.no_grad():
        other[1].weight.copy_(weight)
    return other.eval()


net = mlp()
torch.save(net.state_dict(), "xwp_mlp_init_state.pt")
torch.jit.script(net).save("xwp_mlp_init.pt")
middle = train(net, 40, snapshot_at=20)
torch.save(middle, "xwp_mlp_step20_state.pt")
net.eval()
torch.jit.script(net).save("xwp_mlp.pt")
x = torch.randn(4, 3, 4)
x[0, 0, 1] = 0.0  # a zero feature: XWP gives it 0
targets = torch.tensor([0, 1, 2, 1])
np.save("xwp_mlp_inputs.npy", x.numpy())
np.save("xwp_mlp_targets.npy", targets.numpy())

w = net[1].weight.detach().clone()
w0 = torch.load("xwp_mlp_init_state.pt")["1.weight"]
indicator = nn.functional.one_hot(targets, 3).float() * 2 - 1
with torch.no_grad():
    p = torch.softmax(net(x), 1)
    p_initial = torch.softmax(first_weight_swapped(net, w0)(x), 1)
    xwp = torch.zeros(4, 12)
    xwpc = torch.zeros(4, 12)
    for i in range(12):
        reset = w.clone()
        reset[:, i] = w0[:, i]
        xwp[:, i] = ((p - torch.softmax(first_weight_swapped(net, reset)(x), 1)) * indicator).sum(1)
        keep = w0.clone()
        keep[:, i] = w[:, i]
        xwpc[:, i] = ((torch.softmax(first_weight_swapped(net, keep)(x), 1) - p_initial) * indicator).sum(1)
np.save("xwp_mlp_xwp.npy", xwp.reshape(4, 3, 4).numpy())
np.save("xwp_mlp_xwpc.npy", xwpc.reshape(4, 3, 4).numpy())

two = TwoHead()
torch.save(two.state_dict(), "xwp_twohead_init_state.pt")
with torch.no_grad():
    for p_ in two.parameters():
        p_.add_(torch.randn_like(p_) * 0.3)
torch.jit.script(two.eval()).save("xwp_twohead.pt")

conv = nn.Sequential(nn.Conv2d(1, 2, 2), nn.Flatten(), nn.Linear(18, 3)).eval()
torch.jit.script(conv).save("xwp_convfirst.pt")
