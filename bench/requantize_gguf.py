"""Re-quantize the pinned test GGUF's Q4_1 block weights to another type, for bench/quant.ts.

Why this exists: the bench compares wllama's prefill across quantizations of the same weights, and this machine has
no llama.cpp quantize tool (node-llama-cpp ships only its library) nor a network to fetch one. gguf-py
(train/requirements-merge.txt) quantizes Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the float types in numpy; it has no K-quant
quantizer, so K-quants are not made here. The weights are dequantized from Q4_1 and quantized again: the values are
Q4_1's, the layout and kernels are the target type's, which is what prefill speed depends on. The Q8_0 token
embedding and the F32 norms are copied byte for byte, as is all metadata.

usage: python bench/requantize_gguf.py <in.gguf> <Q4_0|Q5_0|Q5_1|Q8_0|F16> <out.gguf>
"""
import sys
from pathlib import Path

from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize, quantize

# The GGUF copy with replaced tensors is train/'s (merge_lora_gguf.py uses it too).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "train"))
from gguf_rewrite import rewrite_gguf  # noqa: E402

TARGETS = {"Q4_0", "Q5_0", "Q5_1", "Q8_0", "F16"}


def requantize(src: Path, target: str, out: Path) -> int:
    qtype = GGMLQuantizationType[target]

    def requantized(t):
        if t.tensor_type != GGMLQuantizationType.Q4_1:
            return None
        return quantize(dequantize(t.data, t.tensor_type), qtype), qtype

    return rewrite_gguf(GGUFReader(str(src)), out, f" (Q4_1 re-quantized to {target})", requantized)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in TARGETS:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    src, target, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    if not src.is_file():
        raise SystemExit(f"{src}: no such GGUF")
    n = requantize(src, target, out)
    print(f"re-quantized {n} Q4_1 tensors to {target} → {out}")
