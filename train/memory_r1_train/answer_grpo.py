"""The Answer Agent, trained online with TRL's GRPOTrainer: G answers sampled per prompt, rewarded by exact match
(or token F1) against the gold answer, group-relative advantages, no KL term (beta = 0, as in DAPO / Dr. GRPO)."""
import json
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


def constrain_generate(tokenizer) -> None:
    """Every `generate` call samples the cited ids under the reply's grammar (answer_grammar.py), as the app does."""
    from transformers import GenerationMixin, LogitsProcessorList

    from .answer_grammar import CitedIdsGrammar

    original = GenerationMixin.generate
    grammar = CitedIdsGrammar(tokenizer)

    def constrained(self, *args, **kwargs):
        grammar.prompt_length = kwargs["input_ids"].shape[1]
        processors = LogitsProcessorList(kwargs.pop("logits_processor", None) or [])
        processors.append(grammar)
        return original(self, *args, logits_processor=processors, **kwargs)

    GenerationMixin.generate = constrained


def train_answer_agent(cfg: dict, policy, tokenizer, rows: list, out: Path) -> dict:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    kind = cfg["reward"]
    # The app answers under a JSON schema's grammar, which forces the reply's first tokens; unconstrained sampling
    # instead often continued the memory listing (no JSON, reward 0 for the whole group). So those forced tokens
    # close the prompt here, TRL samples only what the grammar leaves free, and the reward reads prefix + sample.
    prefix = cfg.get("reply_prefix") or ""

    samples = open(out / "samples.jsonl", "a", encoding="utf-8")

    def reward(completions, ground_truth, **_):
        replies = [prefix + (c if isinstance(c, str) else c[0]["content"]) for c in completions]
        values = [reply_reward(kind, reply, g) for reply, g in zip(replies, ground_truth)]
        # Every sampled reply with its reward: whether a group had any spread (the only thing GRPO learns from).
        for reply, g, v in zip(replies, ground_truth, values):
            samples.write(json.dumps({"gold": g, "reply": reply, "reward": v}) + "\n")
        samples.flush()
        return values

    reward.__name__ = f"reward_{kind}"
    if prefix:
        constrain_generate(tokenizer)
    clock = GenerateClock()
    progress = ProgressLog(cfg["steps"], out / "train-log.jsonl")
    rewards: list = []

    deadline = time.time() + 60 * cfg["max_minutes"] if cfg.get("max_minutes") else None

    class Progress(TrainerCallback):
        last_generate = 0.0

        def on_step_end(self, args, state, control, **kwargs):
            # A wall-clock cap (--max-minutes): on a shared CPU a step's time varies several-fold with the load.
            if deadline is not None and time.time() >= deadline:
                control.should_training_stop = True

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
        temperature=cfg.get("temperature", 1.0),
        # A 135M model's activations fit a CPU's memory: recomputing them (TRL's default) only slows the step there.
        gradient_checkpointing=cfg["device"] == "cuda",
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
    def prompt_of(messages):
        if not prefix:
            return messages
        # The same chat template TRL applies to a conversational prompt, then the forced start of the reply.
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + prefix

    dataset = Dataset.from_list([{"prompt": prompt_of(r["prompt"]), "ground_truth": r["ground_truth"]} for r in rows])
    trainer = GRPOTrainer(model=policy, processing_class=tokenizer, reward_funcs=reward, args=args, train_dataset=dataset, callbacks=[Progress()])
    started = time.time()
    trainer.train()
    seconds = time.time() - started
    progress.close()
    samples.close()
    return {"model": trainer.model, "rewards": rewards, "train_seconds": seconds, "generate_seconds": clock.seconds}
