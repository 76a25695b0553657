"""Captum's sensitivity_max on the mlp.pt fixture with given perturbations (CI does not run it; outputs are committed).

Run from this folder with Debian's PyTorch and Captum 0.7 on PYTHONPATH:
    /usr/bin/python3 make_sensitivity_fixture.py
Writes sensitivity_perturbations.npy (delta, [5, 4, 6]) and captum_sensitivity_{saliency,inputxgradient}.npy ([5]).
"""
import numpy as np
import torch
from captum.attr import InputXGradient, Saliency
from captum.metrics import sensitivity_max

torch.manual_seed(1)
net = torch.jit.load("mlp.pt").eval()
x = torch.from_numpy(np.load("mlp_inputs.npy"))
targets = torch.from_numpy(np.load("mlp_targets.npy"))
samples = 4
delta = torch.empty(x.shape[0], samples, x.shape[1]).uniform_(-0.1, 0.1)
np.save("sensitivity_perturbations.npy", delta.numpy())


def given(inputs_expanded):
    # Captum repeats each input `samples` times (repeat_interleave): row i*samples + s gets delta[i, s].
    return inputs_expanded + delta.reshape(-1, x.shape[1])


def probabilities(x):
    return torch.softmax(net(x), 1)


for name, method in [("saliency", Saliency(probabilities)), ("inputxgradient", InputXGradient(probabilities))]:
    value = sensitivity_max(method.attribute, x, perturb_func=given, n_perturb_samples=samples, target=targets)
    np.save(f"captum_sensitivity_{name}.npy", value.detach().numpy().astype(np.float64))
    print(name, value.tolist())
