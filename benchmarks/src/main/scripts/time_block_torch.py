#!/usr/bin/env python3
"""Times PyTorch's nn.TransformerEncoderLayer on the CPU, for comparison with `squall bench` (benchmark only).

    python3 time_block_torch.py [--d 768 --heads 12 --ff 3072] [--n 128,512,2048] [--threads 2] [--norm-first]
        [--activation gelu] [--weights block.npz]

Evaluation mode under torch.inference_mode() (PyTorch then takes its fused "fast path" for the encoder layer
where it applies), batch 1 (--batch), random N(0,1) input. Warm-up: at least --warmup runs, then until the
fastest run stops improving by more than 5 % over 5 runs (Squall's rule), at most --warmup-max; then the median
of --reps runs.
"""
import argparse
import statistics
import time

import torch


def warm(run, minimum, maximum, window=5, tolerance=0.05):
    times = []
    while len(times) < maximum:
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
        if len(times) >= max(minimum, window + 1) and min(times[:-window]) <= (1 + tolerance) * min(times):
            break
    return len(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--ff", type=int, default=3072)
    p.add_argument("--n", default="128,512,2048")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--activation", choices=["relu", "gelu"], default="gelu")
    p.add_argument("--norm-first", action="store_true")
    p.add_argument("--weights", help="state dict as .npz (default: PyTorch's random initialisation)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--warmup-max", type=int, default=30)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    layer = torch.nn.TransformerEncoderLayer(a.d, a.heads, a.ff, dropout=0.0, activation=a.activation,
                                             batch_first=True, norm_first=a.norm_first).eval()
    if a.weights:
        import numpy as np
        with np.load(a.weights) as npz:
            layer.load_state_dict({k: torch.from_numpy(np.asarray(npz[k], dtype=np.float32)) for k in npz.files})
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, d={a.d} heads={a.heads} ff={a.ff} "
          f"{'pre' if a.norm_first else 'post'}-LN {a.activation}, batch {a.batch}")
    print("N      median ms  warm-up runs")
    with torch.inference_mode():
        for n in (int(v) for v in a.n.split(",")):
            x = torch.randn(a.batch, n, a.d)
            warmed = warm(lambda: layer(x), a.warmup, a.warmup_max)
            ms = []
            for _ in range(a.reps):
                t = time.perf_counter()
                layer(x)
                ms.append(1e3 * (time.perf_counter() - t))
            print(f"{n:<6} {statistics.median(ms):9.1f}  {warmed}")


if __name__ == "__main__":
    main()
