# Makes model.pt for this sample (PyTorch 1.13, e.g. Debian's python3-torch): an MLP with BatchNorm and
# Dropout trained on y = [x0 - x1 > 0] over 6 features, scripted and saved. Run: /usr/bin/python3 make_model.py
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(300):
    x = torch.randn(64, 6)
    loss = nn.functional.cross_entropy(model(x), (x[:, 0] - x[:, 1] > 0).long())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
model.eval()
torch.jit.script(model).save("model.pt")
