"""The outcome rewards, with the reference semantics app/eval/metrics.ts reproduces in TypeScript.

- exact_match: LoCoMo's `normalize_answer` (evaluation.py) on both sides, equal and non-empty: Memory-R1's reward.
- token_f1: Mem0's / A-Mem's `simple_tokenize` (lowercase, `. , ! ?` to spaces, str.split) and F1 over token sets.

Pure standard library: scripts/train-reward.test.ts runs `python3 reward.py` on the same strings as the TypeScript
functions and asserts equal values, in CI, without the trainer's venv.
"""
import json
import re
import string
import sys

_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """LoCoMo's evaluation.py normalize_answer, verbatim in effect."""
    s = s.replace(",", "")

    def remove_articles(text):
        return re.sub(r"\b(a|an|the|and)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        return "".join(ch for ch in text if ch not in _PUNCT)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def exact_match(prediction: str, gold: str) -> float:
    g = normalize_answer(gold)
    return 1.0 if g != "" and normalize_answer(prediction) == g else 0.0


def simple_tokenize(text: str) -> list:
    """Mem0's simple_tokenize (evaluation/metrics/utils.py)."""
    text = str(text).lower()
    for ch in ".,!?":
        text = text.replace(ch, " ")
    return text.split()


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = set(simple_tokenize(prediction)), set(simple_tokenize(gold))
    if not pred or not ref:
        return 0.0
    common = len(pred & ref)
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


REWARDS = {"em": exact_match, "f1": token_f1}


_CUT_ANSWER = re.compile(r'"answer"\s*:\s*"((?:[^"\\]|\\.)*)')


def answer_of(reply: str):
    """The answer as app/agent/parseAnswer.ts reads the Answer Agent's JSON reply: the `answer` field, or, for a
    reply cut off at the token limit, what can be read of it; None when the reply is not that JSON at all.

    The app asks for the reply under a JSON schema (grammar-constrained), so every reply it scores has this form;
    an unconstrained training sample that breaks it is a reply the app never produces, and earns 0.
    """
    text = reply.strip()
    try:
        value = json.loads(text)
        if isinstance(value, dict) and isinstance(value.get("answer"), str):
            return value["answer"].strip()
    except (ValueError, TypeError):
        pass
    if not text.startswith("{"):
        return None
    cut = _CUT_ANSWER.search(text)
    if not cut:
        return None
    try:
        return json.loads('"' + re.sub(r"\\$", "", cut.group(1)) + '"').strip()
    except ValueError:
        return cut.group(1).strip()


def reply_reward(kind: str, reply: str, gold: str) -> float:
    answer = answer_of(reply)
    return 0.0 if answer is None else REWARDS[kind](answer, gold)


if __name__ == "__main__":
    # stdin: [[prediction, gold], ...]; stdout: [{"normalized": ..., "em": ..., "f1": ..., "tokens": [...]}, ...]
    pairs = json.load(sys.stdin)
    json.dump(
        [{"normalized": normalize_answer(p), "em": exact_match(p, g), "f1": token_f1(p, g), "tokens": simple_tokenize(p)} for p, g in pairs],
        sys.stdout,
        ensure_ascii=False,
    )
