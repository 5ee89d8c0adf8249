"""PyTorch's training throughput for the models of bench/train-throughput.ts, which runs this
script and prints its figures beside ours. One thread, SGD with momentum 0.9, random batches of
the MNIST shape (the arithmetic does not depend on the values).

    python3 bench/torch_throughput.py --model mlp|cnn --seconds 6 --batch 64 --threads 1
Prints one JSON line: {"model", "steps", "seconds", "samplesPerSecond", "torch"}.
"""
import argparse
import json
import time

import torch
from torch import nn

WARM_UP_STEPS = 5


def build(model: str) -> nn.Module:
    if model == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    # conv8 3×3 → maxpool 2 → conv16 3×3 → maxpool 2 → flatten → dense, as lib/ml/models/architectures.ts
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], required=True)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = build(args.model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randn(args.batch, 784), torch.randint(0, 10, (args.batch,))) for _ in range(16)]

    def step(i: int) -> None:
        x, y = batches[i % len(batches)]
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    for i in range(WARM_UP_STEPS):
        step(i)
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        step(steps)
        steps += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"model": args.model, "steps": steps, "seconds": elapsed,
                      "samplesPerSecond": steps * args.batch / elapsed, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
