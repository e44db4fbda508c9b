"""A progress bar with the reward of each step on stderr, and the log as JSONL beside the checkpoint."""
import json
import sys
import time


class ProgressLog:
    def __init__(self, total_steps: int, log_path):
        self.total = total_steps
        self.started = time.time()
        self.log = open(log_path, "a", encoding="utf-8")

    def step(self, step: int, record: dict) -> None:
        record = {"step": step, "seconds": round(time.time() - self.started, 2), **record}
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        done = min(step, self.total)
        bar = "#" * round(30 * done / max(1, self.total))
        elapsed = time.time() - self.started
        eta = elapsed / max(1, done) * (self.total - done)
        shown = " ".join(f"{k}={v:.3f}" for k, v in record.items() if k in ("reward", "reward_std", "loss") and isinstance(v, (int, float)))
        sys.stderr.write(f"[{bar:.<30}] step {done}/{self.total} {shown} · {elapsed:.0f}s elapsed, ~{eta:.0f}s left\n")
        sys.stderr.flush()

    def close(self) -> None:
        self.log.close()
