"""PyTorch reference for bench/paper-models.ts: the papers' three CIFAR networks, built here to
the same layer tables as lib/ml/models/paper, timed for SGD+momentum steps at one thread.

    python3 bench/paper_models_torch.py [--batch 64] [--steps 3] [--threads 1] [--models a,b]

Prints one JSON line per model: {"model", "params", "samples_per_s", "step_ms"}.
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F


def conv_bn(cin, cout, k, s, groups=1):
    return [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


def mobilenet():
    layers = conv_bn(3, 32, 3, 1) + [nn.ReLU()]
    cin = 32
    for cout, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]:
        layers += conv_bn(cin, cin, 3, s, groups=cin) + [nn.ReLU()] + conv_bn(cin, cout, 1, 1) + [nn.ReLU()]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, s), nn.ReLU(), *conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, s)) if s != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


def resnet18():
    layers = conv_bn(3, 64, 3, 1) + [nn.ReLU()]
    cin = 64
    for cout, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(cin, cout, s), BasicBlock(cout, cout, 1)]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def squeeze(e):
    v = e / 4
    r = max(8, int(v + 4) // 8 * 8)
    return r + 8 if r < 0.9 * v else r


class SqueezeExcite(nn.Module):
    def __init__(self, e):
        super().__init__()
        self.reduce, self.expand = nn.Conv2d(e, squeeze(e), 1), nn.Conv2d(squeeze(e), e, 1)

    def forward(self, x):
        g = F.adaptive_avg_pool2d(x, 1)
        return x * F.hardsigmoid(self.expand(F.relu(self.reduce(g))))


class InvertedResidual(nn.Module):
    def __init__(self, cin, k, e, cout, se, hs, s):
        super().__init__()
        act = nn.Hardswish if hs else nn.ReLU
        layers = [] if e == cin else conv_bn(cin, e, 1, 1) + [act()]
        layers += conv_bn(e, e, k, s, groups=e) + [act()] + ([SqueezeExcite(e)] if se else []) + conv_bn(e, cout, 1, 1)
        self.body, self.residual = nn.Sequential(*layers), s == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


V3_SMALL = [(16, 3, 16, 16, True, False, 2), (16, 3, 72, 24, False, False, 2), (24, 3, 88, 24, False, False, 1),
            (24, 5, 96, 40, True, True, 2), (40, 5, 240, 40, True, True, 1), (40, 5, 240, 40, True, True, 1),
            (40, 5, 120, 48, True, True, 1), (48, 5, 144, 48, True, True, 1), (48, 5, 288, 96, True, True, 2),
            (96, 5, 576, 96, True, True, 1), (96, 5, 576, 96, True, True, 1)]


def mobilenetv3_small():
    layers = conv_bn(3, 16, 3, 2) + [nn.Hardswish()] + [InvertedResidual(*row) for row in V3_SMALL]
    layers += conv_bn(96, 576, 1, 1) + [nn.Hardswish(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    layers += [nn.Linear(576, 1024), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(1024, 10)]
    return nn.Sequential(*layers)


MODELS = {'mobilenet': mobilenet, 'mobilenetv3-small': mobilenetv3_small, 'resnet18': resnet18}


def time_model(name, batch, steps):
    torch.manual_seed(0)
    model = MODELS[name]()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - t0) / steps
    return {'model': name, 'params': params, 'samples_per_s': batch / seconds, 'step_ms': seconds * 1000}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--models', default=','.join(MODELS))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for name in a.models.split(','):
        print(json.dumps(time_model(name, a.batch, a.steps)), flush=True)


if __name__ == '__main__':
    main()
