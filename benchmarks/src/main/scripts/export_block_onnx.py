#!/usr/bin/env python3
"""Exports one transformer encoder block to ONNX for `squall bench --peer onnxruntime`.

Builds PyTorch's nn.TransformerEncoderLayer (batch_first, no dropout) with the given configuration, loads
the state dict from an .npz file (the names and layouts of `layer.state_dict()`, as Squall reads and writes
them) and exports it with opset 14, batch and sequence axes dynamic: input "x" [batch, n, d], output "y".

    python3 export_block_onnx.py --weights block.npz --heads 12 --activation gelu [--norm-first] [--causal] \
        [--eps 1e-5] --output block.onnx

Exit status 3 when PyTorch is not installed (Squall then skips the peer), 2 on bad arguments or weights.
Benchmark-only: nothing in Squall's library or tests needs Python.
"""
import argparse
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", required=True, help="state dict as .npz")
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--activation", choices=["relu", "gelu"], required=True)
    p.add_argument("--norm-first", action="store_true", help="pre-LN (default post-LN)")
    p.add_argument("--causal", action="store_true", help="each token attends to itself and earlier tokens")
    p.add_argument("--eps", type=float, default=1e-5, help="LayerNorm epsilon")
    p.add_argument("--opset", type=int, default=14)
    p.add_argument("--output", required=True, help="the .onnx file to write")
    a = p.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"PyTorch is needed to export the block to ONNX ({e})", file=sys.stderr)
        sys.exit(3)

    with np.load(a.weights) as npz:
        state = {k: torch.from_numpy(np.asarray(npz[k], dtype=np.float32)) for k in npz.files}
    d = state["norm1.weight"].shape[0]
    ff = state["linear1.bias"].shape[0]
    layer = torch.nn.TransformerEncoderLayer(d, a.heads, ff, dropout=0.0, activation=a.activation,
                                             layer_norm_eps=a.eps, batch_first=True, norm_first=a.norm_first)
    try:
        layer.load_state_dict(state, strict=True)
    except RuntimeError as e:
        print(f"weights do not fit the layer: {e}", file=sys.stderr)
        sys.exit(2)
    block = causal_wrapper(torch, layer) if a.causal else layer
    block.eval()
    x = torch.randn(1, 8, d)
    torch.onnx.export(block, (x,), a.output, opset_version=a.opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 1: "n"}, "y": {0: "batch", 1: "n"}})
    print(f"torch {torch.__version__}, opset {a.opset}, d={d} heads={a.heads} ff={ff} "
          f"{'pre' if a.norm_first else 'post'}-LN {a.activation}{' causal' if a.causal else ''}")


def causal_wrapper(torch, layer):
    """The layer with a causal mask built from the input's length (exported as Trilu on a dynamic shape)."""

    class Causal(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            n = x.shape[1]
            return self.layer(x, src_mask=torch.triu(torch.full((n, n), float("-inf")), diagonal=1))

    return Causal()


if __name__ == "__main__":
    main()
