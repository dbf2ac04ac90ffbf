#!/usr/bin/env python3
"""PyTorch peer of `squall bench --suite train` (benchmark only): one training step of the nanoGPT-form GPT.

    python3 train_step_torch.py --vocab 65 --block 64 --layers 4 --heads 4 --embd 128 [--bias] \
        --batch 12 --length 64 [--threads 2]

The model is the one Squall trains (pre-LN blocks, causal self-attention, exact GELU, final LayerNorm, output
by the tied token embedding, learned positions), initialised as nanoGPT does, on a fixed random batch. A step is
forward, cross-entropy, backward, global-norm clipping to 1 and AdamW (weight decay 0.1 on tensors of two or more
dimensions). The script prints `ready` once the model exists, then answers every `step` line on standard input
with the step's milliseconds, so the caller can interleave its own steps with these; end of input ends it.
Exit status 3: PyTorch is not installed.
"""
import argparse
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("PyTorch is not installed", flush=True)
    sys.exit(3)


class Norm(nn.Module):
    """LayerNorm whose bias is optional (nanoGPT's bias=False drops it)."""

    def __init__(self, width, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class Block(nn.Module):
    def __init__(self, width, heads, length, bias):
        super().__init__()
        self.heads = heads
        self.ln_1 = Norm(width, bias)
        self.c_attn = nn.Linear(width, 3 * width, bias=bias)
        self.attn_proj = nn.Linear(width, width, bias=bias)
        self.ln_2 = Norm(width, bias)
        self.c_fc = nn.Linear(width, 4 * width, bias=bias)
        self.mlp_proj = nn.Linear(4 * width, width, bias=bias)
        self.register_buffer("mask", torch.tril(torch.ones(length, length, dtype=torch.bool)))

    def attention(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.attn_proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.wte = nn.Embedding(a.vocab, a.embd)
        self.wpe = nn.Embedding(a.block, a.embd)
        self.blocks = nn.ModuleList(Block(a.embd, a.heads, a.block, a.bias) for _ in range(a.layers))
        self.ln_f = Norm(a.embd, a.bias)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * a.layers) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(p, mean=0.0, std=std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.blocks:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)


def main():
    p = argparse.ArgumentParser()
    for name in ("vocab", "block", "layers", "heads", "embd", "batch", "length"):
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--bias", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    model = Gpt(a)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    rest = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    data = torch.randint(0, a.vocab, (a.batch, a.length + 1))
    x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "step":
            continue
        start = time.perf_counter()
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        print("%.3f" % ((time.perf_counter() - start) * 1e3), flush=True)


if __name__ == "__main__":
    main()
