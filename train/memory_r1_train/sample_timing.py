"""Seconds TRL's online sampler (transformers' generate, as GRPOTrainer calls it) takes for G samples per prompt:
bench/train-sampling.ts sets it against node-llama-cpp sampling the same prompts (online vs iterated GRPO).

usage: python -m memory_r1_train.sample_timing <train.jsonl> <model> <G> <max new tokens> <threads>"""
import json
import sys
import time

import torch

from .model_io import load_policy, read_jsonl

rows_file, model, g, max_new, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
policy, tokenizer = load_policy(model, "cpu")
policy.eval()
rows = read_jsonl(rows_file)
tokens = 0
started = time.time()
with torch.no_grad():
    for r in rows:
        ids = tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True, return_tensors="pt", return_dict=True)
        out = policy.generate(**ids, do_sample=True, temperature=1.0, max_new_tokens=max_new, num_return_sequences=g, pad_token_id=tokenizer.pad_token_id)
        tokens += int((out[:, ids["input_ids"].shape[1]:] != tokenizer.pad_token_id).sum())
print(json.dumps({"seconds": time.time() - started, "prompts": len(rows), "samples": len(rows) * g, "tokens": tokens}))
