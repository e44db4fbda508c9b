"""python -m memory_r1_train <config.json>: the trainer npm run train starts (scripts/train.ts writes the config
and the data; nothing here builds a prompt)."""
import json
import os
import sys
import time
from pathlib import Path


def export_base(policy, tokenizer, out: Path, outtype: str) -> Path:
    """The untrained policy through the very path the trained one takes (the same float32 weights, save_pretrained,
    llama.cpp's converter, the same quantization), so a before/after comparison differs by training alone and not
    by re-quantization (the source GGUF may be Q4_1, the export Q8_0). Written under a temporary name and renamed:
    a reader that waits for the file never sees half of it."""
    import shutil

    from .export_gguf import export_gguf
    from .model_io import save_policy

    checkpoint = save_policy(policy, tokenizer, out / "base", lora=False)
    final = out / f"base.{outtype.upper()}.gguf"
    part = export_gguf(checkpoint, out / f"base.{outtype.upper()}.gguf.part", outtype)
    shutil.rmtree(out / "base")
    part.rename(final)
    return final


def main(config_path: str) -> None:
    cfg = json.loads(Path(config_path).read_text(encoding="utf-8"))
    out = Path(cfg["out"])
    import torch

    from .model_io import load_policy, read_jsonl, save_policy, with_lora

    if cfg["device"] == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device here; use --device cpu")
    if cfg["device"] == "cpu":
        torch.set_num_threads(cfg.get("threads") or os.cpu_count() or 1)
    torch.manual_seed(cfg["seed"])
    started = time.time()
    rows = read_jsonl(Path(cfg["data"]))
    policy, tokenizer = load_policy(cfg["model"], cfg["device"])
    base_gguf = None
    if cfg.get("export_base") and cfg["export"] != "none":
        base_gguf = str(export_base(policy, tokenizer, out, cfg["export"]))
    if cfg["lora_rank"]:
        policy = with_lora(policy, cfg["lora_rank"])
    load_seconds = time.time() - started
    if cfg["policy"] == "answer":
        from .answer_grpo import train_answer_agent

        result = train_answer_agent(cfg, policy, tokenizer, rows, out)
    else:
        from .manager_awr import train_memory_manager

        result = train_memory_manager(cfg, policy, tokenizer, rows, out)
    checkpoint = save_policy(result["model"], tokenizer, out, bool(cfg["lora_rank"]))
    gguf = None
    export_seconds = 0.0
    if cfg["export"] != "none":
        from .export_gguf import export_gguf

        t = time.time()
        gguf = str(export_gguf(checkpoint, out / f"trained.{cfg['export'].upper()}.gguf", cfg["export"]))
        export_seconds = time.time() - t
    summary = {
        "steps": len(result["rewards"]),
        "rewards": result["rewards"],
        "checkpoint": str(checkpoint),
        "adapter": str(out / "adapter") if cfg["lora_rank"] else None,
        "gguf": gguf,
        "base_gguf": base_gguf,
        "load_seconds": round(load_seconds, 1),
        "train_seconds": round(result["train_seconds"], 1),
        "generate_seconds": round(result["generate_seconds"], 1),
        "export_seconds": round(export_seconds, 1),
    }
    (out / "result.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m memory_r1_train <config.json> (npm run train writes it)")
    main(sys.argv[1])
