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

from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, Keys
from gguf.quants import dequantize, quantize

TARGETS = {"Q4_0", "Q5_0", "Q5_1", "Q8_0", "F16"}


def requantize(src: Path, target: str, out: Path) -> int:
    if out.exists():
        raise SystemExit(f"{out} exists: remove it or choose another name (nothing is overwritten)")
    qtype = GGMLQuantizationType[target]
    reader = GGUFReader(str(src))
    arch = reader.fields[Keys.General.ARCHITECTURE].contents()
    writer = GGUFWriter(str(out), arch=arch)
    for field in reader.fields.values():
        if field.name == Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == GGUFValueType.ARRAY else None
        value = field.contents()
        if field.name == Keys.General.NAME:
            value = f"{value} (Q4_1 re-quantized to {target})"
        writer.add_key_value(field.name, value, value_type, sub_type=sub_type)
    tensors, changed = [], 0
    for t in reader.tensors:
        if t.tensor_type == GGMLQuantizationType.Q4_1:
            data, dtype = quantize(dequantize(t.data, t.tensor_type), qtype), qtype
            changed += 1
        else:
            data, dtype = t.data, t.tensor_type
        writer.add_tensor_info(t.name, data.shape, data.dtype, data.nbytes, dtype)
        tensors.append(data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for data in tensors:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    return changed


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in TARGETS:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    src, target, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    if not src.is_file():
        raise SystemExit(f"{src}: no such GGUF")
    n = requantize(src, target, out)
    print(f"re-quantized {n} Q4_1 tensors to {target} → {out}")
