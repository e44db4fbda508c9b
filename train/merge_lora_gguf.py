"""Merge a PEFT LoRA adapter into a GGUF, without torch: W' = W + (alpha / r) · B·A for each adapted matrix.

Why this exists: CI has no torch (a 6 GB venv) and trains nothing, yet the app's e2e must load a genuinely trained
model. The adapter npm run train wrote is small enough to commit (train/adapters/…); this step applies it to the
pinned test GGUF with numpy and gguf-py (train/requirements-merge.txt) in seconds.

Adapted tensors are dequantized, merged in float32 and written as Q8_0; every other tensor and all metadata are
copied byte for byte. llama.cpp's converter permutes the rows of q_proj/k_proj for its rotary layout
(LlamaModel.permute in convert_hf_to_gguf.py), so the delta of those is permuted the same way before it is added.

usage: python merge_lora_gguf.py <base.gguf> <adapter dir> <out.gguf>
"""
import json
import re
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, Keys
from gguf.quants import dequantize, quantize
from gguf_rewrite import rewrite_gguf
from safetensors.numpy import load_file

# PEFT module name → GGUF tensor name (llama architecture, as convert_hf_to_gguf.py maps them).
HF_TO_GGUF = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output", "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
LORA_KEY = re.compile(r"layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.lora_([AB])\.weight$")


def llama_permute(w: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.permute, on numpy."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def lora_deltas(adapter: Path) -> dict:
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    r, alpha = config["r"], config["lora_alpha"]
    scale = alpha / (r**0.5) if config.get("use_rslora") else alpha / r
    pairs: dict = {}
    for key, value in load_file(str(adapter / "adapter_model.safetensors")).items():
        m = LORA_KEY.search(key)
        if not m:
            raise SystemExit(f"{adapter}: unexpected tensor {key} (only LoRA A/B of llama layers are merged)")
        layer, module, ab = m.groups()
        if module not in HF_TO_GGUF:
            raise SystemExit(f"{adapter}: LoRA on {module} is not supported by this merge")
        pairs.setdefault(f"blk.{layer}.{HF_TO_GGUF[module]}.weight", {})[ab] = value.astype(np.float32)
    return {name: scale * (ab["B"] @ ab["A"]) for name, ab in pairs.items()}


def merge(base: Path, adapter: Path, out: Path) -> int:
    reader = GGUFReader(str(base))
    arch = reader.fields[Keys.General.ARCHITECTURE].contents()
    if arch != "llama":
        raise SystemExit(f"{base}: architecture {arch}; this merge knows llama's tensor layout only")
    n_head = reader.fields[f"{arch}.attention.head_count"].contents()
    n_head_kv = reader.fields[f"{arch}.attention.head_count_kv"].contents()
    deltas = lora_deltas(adapter)
    names = {t.name for t in reader.tensors}
    missing = sorted(set(deltas) - names)
    if missing:
        raise SystemExit(f"{base} has no tensor {missing[0]}: the adapter was trained on another model")

    def merged(t):
        if t.name not in deltas:
            return None
        w = dequantize(t.data, t.tensor_type).astype(np.float32)
        delta = deltas[t.name]
        if t.name.endswith("attn_q.weight"):
            delta = llama_permute(delta, n_head, n_head)
        elif t.name.endswith("attn_k.weight"):
            delta = llama_permute(delta, n_head, n_head_kv)
        if delta.shape != w.shape:
            raise SystemExit(f"{t.name}: adapter delta {delta.shape} does not fit the model's {w.shape}")
        return quantize(w + delta, GGMLQuantizationType.Q8_0), GGMLQuantizationType.Q8_0

    return rewrite_gguf(reader, out, f" + LoRA {adapter.name}", merged)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    base, adapter, out = (Path(a) for a in sys.argv[1:])
    if not base.is_file():
        raise SystemExit(f"{base}: no such GGUF")
    if not (adapter / "adapter_model.safetensors").is_file():
        raise SystemExit(f"{adapter}: no adapter_model.safetensors (a PEFT LoRA folder from npm run train --lora)")
    n = merge(base, adapter, out)
    print(f"merged {n} adapted tensors → {out}")
