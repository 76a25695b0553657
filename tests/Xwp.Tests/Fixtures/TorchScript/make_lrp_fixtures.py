"""Writes the scripted Sequential chains the LRP tests explain (CI does not run this; the outputs are committed).

Run from this folder with Debian's PyTorch 1.13 (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 make_lrp_fixtures.py
With Captum 0.7 on PYTHONPATH it also writes Captum's ε-LRP on the same models and inputs
(captum_lrp_script_*.npy), which the tests compare with Xwp's.

- lrp_script_cnn.pt: [N, 1, 8, 8] -> Conv 1->3 3x3 padding 1 -> BatchNorm2d -> ReLU -> MaxPool 2
  -> Conv 3->4 3x3 stride 2 padding 1 -> LeakyReLU(0.1) -> AvgPool 2 -> Flatten -> Dropout(0.3) -> Linear 4->3.
  The two Conv2d differ in their constants, so TorchScript compiles the second as a name-mangled class.
- lrp_script_mlp.pt: [N, 6] -> Linear 6->8 -> BatchNorm1d(eps 1e-3) -> LeakyReLU(0.1) -> Dropout(0.5)
  -> Linear 8->5 -> ReLU -> Identity -> Linear 5->3.
- lrp_script_tanh.pt: [N, 6] -> Linear 6->4 -> Tanh -> Linear 4->3 (LRP has no rule for Tanh: refused).
- lrp_traced_mlp.pt: the tanh model's two Linear layers with ReLU between, saved with torch.jit.trace, whose
  code keeps no layer constants (Linear's sizes come from its weight; a traced Conv2d is refused).
- lrp_traced_cnn.pt: [N, 1, 8, 8] -> Conv 1->2 3x3 stride 2 -> ReLU -> Flatten -> Linear 18->3, traced.
- lrp_script_reflect.pt: [N, 1, 8, 8] -> Conv 1->2 3x3 padding 1, padding_mode 'reflect' -> ReLU -> MaxPool 2
  -> Flatten -> Linear 32->3 (the ε-rule works; z⁺ and αβ need zero padding).
Inputs and targets are cnn_inputs.npy / cnn_targets.npy and mlp_inputs.npy / mlp_targets.npy (make_fixtures.py).
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(3)


def randomise_batchnorm(bn):
    """Non-default running statistics and affine parameters, so that BatchNorm is not the identity."""
    with torch.no_grad():
        n = bn.num_features
        bn.running_mean.copy_(torch.randn(n) * 0.1)
        bn.running_var.copy_(torch.rand(n) + 0.5)
        bn.weight.copy_(torch.rand(n) + 0.5)
        bn.bias.copy_(torch.randn(n) * 0.1)


cnn = nn.Sequential(
    nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.1), nn.AvgPool2d(2), nn.Flatten(),
    nn.Dropout(0.3), nn.Linear(4, 3))
randomise_batchnorm(cnn[1])
cnn.eval()

mlp = nn.Sequential(
    nn.Linear(6, 8), nn.BatchNorm1d(8, eps=1e-3), nn.LeakyReLU(0.1), nn.Dropout(0.5),
    nn.Linear(8, 5), nn.ReLU(), nn.Identity(), nn.Linear(5, 3))
randomise_batchnorm(mlp[1])
mlp.eval()

tanh = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3)).eval()

torch.jit.script(cnn).save("lrp_script_cnn.pt")
torch.jit.script(mlp).save("lrp_script_mlp.pt")
torch.jit.script(tanh).save("lrp_script_tanh.pt")
traced = nn.Sequential(tanh[0], nn.ReLU(), tanh[2]).eval()
torch.jit.trace(traced, torch.randn(2, 6)).save("lrp_traced_mlp.pt")
traced_cnn = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(18, 3)).eval()
torch.jit.trace(traced_cnn, torch.rand(2, 1, 8, 8)).save("lrp_traced_cnn.pt")

reflect = nn.Sequential(
    nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32, 3)).eval()
torch.jit.script(reflect).save("lrp_script_reflect.pt")

x_cnn = torch.from_numpy(np.load("cnn_inputs.npy"))
y_cnn = torch.from_numpy(np.load("cnn_targets.npy"))
x_mlp = torch.from_numpy(np.load("mlp_inputs.npy"))
y_mlp = torch.from_numpy(np.load("mlp_targets.npy"))

try:
    import captum.attr._core.lrp as captum_lrp
    from captum.attr import LRP
    from captum.attr._utils.lrp_rules import EpsilonRule
except ImportError:
    print("Captum not found: wrote the models only.")
else:
    # Captum's LRP passes relevance through ReLU and Dropout; LeakyReLU and Identity get the same treatment
    # here (as in Xwp). It has no rule for nn.Flatten, so the CNN's reference flattens inside forward, and
    # BatchNorm1d gets the ε-rule Captum uses for BatchNorm2d.
    captum_lrp.SUPPORTED_NON_LINEAR_LAYERS.extend([nn.LeakyReLU, nn.Identity])

    class FlattenInForward(nn.Module):
        def __init__(self, chain, flatten):
            super().__init__()
            self.before = chain[:flatten]
            self.after = chain[flatten + 1:]

        def forward(self, x):
            return self.after(torch.flatten(self.before(x), 1))

    reference = FlattenInForward(cnn, 7).eval()
    np.save("captum_lrp_script_cnn_epsilon.npy", LRP(reference).attribute(x_cnn.clone(), target=y_cnn).detach().numpy())
    np.save("captum_lrp_script_reflect_epsilon.npy",
            LRP(FlattenInForward(reflect, 3).eval()).attribute(x_cnn.clone(), target=y_cnn).detach().numpy())
    mlp[1].rule = EpsilonRule()
    np.save("captum_lrp_script_mlp_epsilon.npy", LRP(mlp).attribute(x_mlp.clone(), target=y_mlp).detach().numpy())
    print("Wrote Captum's LRP.")
