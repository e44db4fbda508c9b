"""Writes a GGUF file that is a copy of another with some tensors replaced: every metadata field copied as is (the
model's name rewritten to say what was done), every tensor either kept byte for byte or replaced by the caller.
Shared by merge_lora_gguf.py (LoRA merged into the adapted matrices) and bench/requantize_gguf.py (block weights
re-quantized); gguf-py only, no torch."""
from collections.abc import Callable
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, Keys
from gguf.gguf_reader import ReaderTensor

# A tensor's replacement (data and its type), or None to keep it as it is.
Replace = Callable[[ReaderTensor], tuple[np.ndarray, GGMLQuantizationType] | None]


def rewrite_gguf(reader: GGUFReader, out: Path, name_suffix: str, replace: Replace) -> int:
    """Writes `out` (never overwriting it) from `reader`; returns how many tensors were replaced."""
    if out.exists():
        raise SystemExit(f"{out} exists: remove it or choose another name (nothing is overwritten)")
    writer = GGUFWriter(str(out), arch=reader.fields[Keys.General.ARCHITECTURE].contents())
    for field in reader.fields.values():
        if field.name == Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == GGUFValueType.ARRAY else None
        value = field.contents()
        if field.name == Keys.General.NAME:
            value = f"{value}{name_suffix}"
        writer.add_key_value(field.name, value, value_type, sub_type=sub_type)
    tensors, replaced = [], 0
    for t in reader.tensors:
        new = replace(t)
        if new is None:
            data, qtype = t.data, t.tensor_type
        else:
            (data, qtype), replaced = new, replaced + 1
        writer.add_tensor_info(t.name, data.shape, data.dtype, data.nbytes, qtype)
        tensors.append(data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for data in tensors:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    return replaced
