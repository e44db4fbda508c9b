"""Loading a policy (a GGUF file, a local checkpoint or a Hugging Face id) and saving the trained one."""
import json
from pathlib import Path


def _dtype(device: str):
    import torch

    # CPU: float32 (bfloat16 matmuls are slow on most CPUs); GPU: bfloat16, as Memory-R1's backbones train.
    return torch.bfloat16 if device == "cuda" else torch.float32


def load_policy(model: str, device: str):
    """The model and its tokenizer. A GGUF is dequantized by transformers (gguf_file=); the quantizer flags it
    leaves behind are cleared, else the Trainer refuses to train the model and save_pretrained to write it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(model)
    if path.suffix == ".gguf":
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        policy = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=_dtype(device))
        policy.hf_quantizer = None
        policy.is_quantized = False
        if hasattr(policy.config, "quantization_config"):
            del policy.config.quantization_config
    else:
        tokenizer = AutoTokenizer.from_pretrained(model)
        policy = AutoModelForCausalLM.from_pretrained(model, dtype=_dtype(device))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return policy, tokenizer


LORA_TARGETS = ["q_proj", "v_proj"]


def with_lora(policy, rank: int):
    """LoRA on the attention's query and value projections (Hu et al.'s choice): a few MB of adapter for 135M."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=LORA_TARGETS, bias="none", task_type="CAUSAL_LM")
    return get_peft_model(policy, config)


def save_policy(policy, tokenizer, out: Path, lora: bool) -> Path:
    """Writes <out>/adapter (LoRA only: safetensors + adapter_config.json) and <out>/checkpoint (merged, full)."""
    if lora:
        policy.save_pretrained(str(out / "adapter"), safe_serialization=True)
        policy = policy.merge_and_unload()
    checkpoint = out / "checkpoint"
    policy.save_pretrained(str(checkpoint), safe_serialization=True)
    tokenizer.save_pretrained(str(checkpoint))
    return checkpoint


def read_jsonl(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
