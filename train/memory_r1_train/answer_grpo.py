"""The Answer Agent, trained online with TRL's GRPOTrainer: G answers sampled per prompt, rewarded by exact match
(or token F1) against the gold answer, group-relative advantages, no KL term (beta = 0, as in DAPO / Dr. GRPO)."""
import time
from pathlib import Path

from .progress import ProgressLog
from .reward import reply_reward


class GenerateClock:
    """Seconds spent in `generate` (the sampling half of an online step), to set against the whole step."""

    def __init__(self):
        from transformers import GenerationMixin

        self.seconds = 0.0
        original = GenerationMixin.generate
        clock = self

        def timed(self, *args, **kwargs):
            t = time.time()
            try:
                return original(self, *args, **kwargs)
            finally:
                clock.seconds += time.time() - t

        GenerationMixin.generate = timed


def train_answer_agent(cfg: dict, policy, tokenizer, rows: list, out: Path) -> dict:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    kind = cfg["reward"]

    def reward(completions, ground_truth, **_):
        return [reply_reward(kind, c[0]["content"], g) for c, g in zip(completions, ground_truth)]

    reward.__name__ = f"reward_{kind}"
    clock = GenerateClock()
    progress = ProgressLog(cfg["steps"], out / "train-log.jsonl")
    rewards: list = []

    class Progress(TrainerCallback):
        last_generate = 0.0

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "reward" not in logs:
                return
            generate = clock.seconds - self.last_generate
            self.last_generate = clock.seconds
            rewards.append(float(logs["reward"]))
            keep = {k: v for k, v in logs.items() if isinstance(v, (int, float))}
            progress.step(state.global_step, {**keep, "generate_seconds": round(generate, 2)})

    args = GRPOConfig(
        output_dir=str(out / "trl"),
        num_generations=cfg["group_size"],
        per_device_train_batch_size=cfg["batch"],
        gradient_accumulation_steps=1,
        max_completion_length=cfg["max_completion_tokens"],
        temperature=1.0,
        learning_rate=cfg["lr"],
        max_steps=cfg["steps"],
        beta=0.0,
        logging_steps=1,
        use_cpu=cfg["device"] == "cpu",
        bf16=cfg["device"] == "cuda",
        report_to=[],
        save_strategy="no",
        seed=cfg["seed"],
        disable_tqdm=True,
    )
    dataset = Dataset.from_list([{"prompt": r["prompt"], "ground_truth": r["ground_truth"]} for r in rows])
    trainer = GRPOTrainer(model=policy, processing_class=tokenizer, reward_funcs=reward, args=args, train_dataset=dataset, callbacks=[Progress()])
    started = time.time()
    trainer.train()
    seconds = time.time() - started
    progress.close()
    return {"model": trainer.model, "rewards": rewards, "train_seconds": seconds, "generate_seconds": clock.seconds}
