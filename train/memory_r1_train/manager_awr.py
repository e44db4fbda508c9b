"""The Memory Manager, trained offline from the project's own rollouts (npm run eval -- rollouts --policy manager):
its reward needs the bank-copy environment of app/eval/rollouts.ts, which a Python trainer does not have. Each
step is an advantage-weighted policy-gradient step on rows sampled from the file, loss = −A · mean log π(completion
| prompt): GRPO's objective at its first inner step (ratio 1, nothing to clip), with the file's group advantages."""
import random
import sys
import time
from pathlib import Path

from .progress import ProgressLog


def train_memory_manager(cfg: dict, policy, tokenizer, rows: list, out: Path) -> dict:
    import torch

    device = torch.device(cfg["device"])
    policy.to(device)
    policy.train()
    usable = [r for r in rows if r["advantage"] != 0]
    if not usable:
        # Still runs (the loop, the save and the export are checked), but says plainly that the weights cannot move.
        sys.stderr.write("warning: every group in the rollout file has equal rewards (all advantages 0): the steps have zero gradient; sample more (--group-size) or more turns\n")
        usable = rows
    params = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg["lr"])
    rng = random.Random(cfg["seed"])
    progress = ProgressLog(cfg["steps"], out / "train-log.jsonl")
    rewards = []
    started = time.time()
    for step in range(1, cfg["steps"] + 1):
        batch = rng.sample(usable, min(cfg["batch"], len(usable)))
        optimizer.zero_grad()
        total = 0.0
        for r in batch:
            prompt = tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True, tokenize=False)
            prompt_ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt").input_ids
            reply_ids = tokenizer(r["completion"][0]["content"] + tokenizer.eos_token, add_special_tokens=False, return_tensors="pt").input_ids
            ids = torch.cat([prompt_ids, reply_ids], dim=1).to(device)
            logits = policy(input_ids=ids).logits[:, prompt_ids.shape[1] - 1 : -1, :].float()
            logp = torch.log_softmax(logits, dim=-1).gather(-1, reply_ids.to(device).unsqueeze(-1)).squeeze(-1).mean()
            loss = -float(r["advantage"]) * logp / len(batch)
            loss.backward()
            total += loss.item()
        optimizer.step()
        mean_reward = sum(float(r["reward"]) for r in batch) / len(batch)
        rewards.append(mean_reward)
        progress.step(step, {"reward": mean_reward, "loss": total, "rows": len(batch)})
    progress.close()
    return {"model": policy, "rewards": rewards, "train_seconds": time.time() - started, "generate_seconds": 0.0}
