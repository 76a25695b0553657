"""Regenerates the TorchScript fixtures of tests/Xwp.Tests (CI does not run it; the outputs are committed).

Run from this folder with Debian's PyTorch 1.13 (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 make_fixtures.py
With Captum 0.7 on PYTHONPATH it also writes Captum's attributions on the same models and inputs
(captum_*.npy), which the tests compare with Xwp's.
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)


class SmallCnn(nn.Module):
    """[N, 1, 8, 8] -> Conv 1->2 3x3 -> ReLU -> MaxPool 2 -> Flatten -> Linear 18 -> 3 (logits)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(18, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))


def mlp():
    """[N, 6] -> Linear 6->8 -> BatchNorm1d -> ReLU -> Dropout(0.5) -> Linear 8->3 (logits)."""
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))


cnn = SmallCnn().eval()
x_cnn = torch.rand(4, 1, 8, 8)

net = mlp()
x_mlp = torch.randn(5, 6)
# A few training steps so that BatchNorm's running statistics are not the defaults.
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(20):
    batch = torch.randn(32, 6) * 2 + 0.5
    loss = nn.functional.cross_entropy(net(batch), (batch[:, 0] > 0.5).long())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
net.eval()
net_probabilities = nn.Sequential(net, nn.Softmax(dim=1)).eval()

torch.jit.script(cnn).save("cnn.pt")
torch.jit.script(net).save("mlp.pt")
torch.jit.script(net_probabilities).save("mlp_probabilities.pt")
np.save("cnn_inputs.npy", x_cnn.numpy())
np.save("mlp_inputs.npy", x_mlp.numpy())
with torch.no_grad():
    np.save("cnn_logits.npy", cnn(x_cnn).numpy())
    np.save("mlp_logits.npy", net(x_mlp).numpy())
targets_cnn = torch.tensor([0, 1, 2, 0])
targets_mlp = torch.tensor([0, 1, 2, 0, 1])
np.save("cnn_targets.npy", targets_cnn.numpy())
np.save("mlp_targets.npy", targets_mlp.numpy())

try:
    from captum.attr import FeatureAblation, IntegratedGradients, InputXGradient, Occlusion, Saliency
except ImportError:
    print("Captum not found: wrote the models, inputs and logits only.")
else:
    def probabilities(model):
        return lambda x: torch.softmax(model(x), 1)

    f = probabilities(cnn)
    np.save("captum_cnn_occlusion.npy", Occlusion(f).attribute(
        x_cnn, sliding_window_shapes=(1, 3, 3), strides=(1, 1, 1), target=targets_cnn).detach().numpy())
    np.save("captum_cnn_ig.npy", IntegratedGradients(f).attribute(
        x_cnn, target=targets_cnn, n_steps=50, method="gausslegendre").detach().numpy())
    np.save("captum_cnn_saliency.npy", Saliency(f).attribute(x_cnn, target=targets_cnn).detach().numpy())
    g = probabilities(net)
    np.save("captum_mlp_ablation.npy", FeatureAblation(g).attribute(x_mlp, target=targets_mlp).detach().numpy())
    np.save("captum_mlp_ig.npy", IntegratedGradients(g).attribute(
        x_mlp, target=targets_mlp, n_steps=50, method="gausslegendre").detach().numpy())
    np.save("captum_mlp_inputxgradient.npy", InputXGradient(g).attribute(x_mlp, target=targets_mlp).detach().numpy())
    print("Wrote Captum references.")


class LrpCnn(nn.Module):
    """The chain the LRP tests rebuild in TorchSharp from the lrp_*.npy parameters (Flatten happens in
    forward because Captum's LRP has no rule for nn.Flatten):
    [N, 1, 8, 8] -> Conv 1->3 3x3 -> BatchNorm2d -> ReLU -> MaxPool 2 -> Conv 3->4 2x2 -> ReLU -> AvgPool 2
    -> Flatten -> Dropout -> Linear 4 -> 3."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(3, 4, 2)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.AvgPool2d(2)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn(self.conv1(x))))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.drop(torch.flatten(x, 1)))


lrp_net = LrpCnn()
with torch.no_grad():
    lrp_net.bn.running_mean.copy_(torch.randn(3) * 0.1)
    lrp_net.bn.running_var.copy_(torch.rand(3) + 0.5)
    lrp_net.bn.weight.copy_(torch.rand(3) + 0.5)
    lrp_net.bn.bias.copy_(torch.randn(3) * 0.1)
lrp_net.eval()
for name, value in lrp_net.state_dict().items():
    if value.dtype.is_floating_point:
        np.save(f"lrp_{name.replace('.', '_')}.npy", value.numpy())
with torch.no_grad():
    np.save("lrp_logits.npy", lrp_net(x_cnn).numpy())
try:
    from captum.attr import LRP
except ImportError:
    pass
else:
    np.save("captum_lrp_epsilon.npy", LRP(lrp_net).attribute(x_cnn, target=targets_cnn).detach().numpy())
    print("Wrote Captum's LRP.")
