"""The outcome rewards, with the reference semantics app/eval/metrics.ts reproduces in TypeScript.

- exact_match: LoCoMo's `normalize_answer` (evaluation.py) on both sides, equal and non-empty: Memory-R1's reward.
- token_f1: Mem0's / A-Mem's `simple_tokenize` (lowercase, `. , ! ?` to spaces, str.split) and F1 over token sets.

Pure standard library: scripts/train-reward.test.ts runs `python3 reward.py` once over every pair of the metric
conformance fixture (app/eval/metrics.conformance.json, scored by the reference code in scripts/conformance/) and
asserts the fixture's values and app/eval/metrics.ts's, in CI, without the trainer's venv.
"""
import json
import re
import string
import sys
import unicodedata

_PUNCT = set(string.punctuation)

# LoCoMo removes articles with the third-party `regex` module, whose `\w` (hence `\b`) is Unicode's Alphabetic, every
# Mark, decimal digits, connector punctuation and the two joiners. The stdlib `re`'s `\w` is str.isalnum() plus "_":
# it takes "½" and "²" and leaves out combining marks, so with `re` "mari\u0301a" lost its "a" and "½the" kept its
# "the" (112 of the fixture's 5,600 texts normalized differently; no pair's exact match changed, by luck of the
# pairs). `regex` is not in the system python3 that CI runs this with, and `re` has no Unicode-property classes, so
# the class is built from unicodedata. Alphabetic = the letters, Nl and Other_Alphabetic; Other_Alphabetic's
# members outside the Marks are only the circled and squared Latin letters below (every code point of Python's
# Unicode database compared with regex==2026.12.2's `\w`: these 130 were the only difference).
_OTHER_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
_WORD_CATEGORIES = {"Nl", "Nd", "Pc"}
_JOINERS = {"\u200c", "\u200d"}


def _regex_word(ch: str) -> bool:
    r"""`regex`'s `\w` on one character (see above)."""
    category = unicodedata.category(ch)
    if category[0] in "LM" or category in _WORD_CATEGORIES or ch in _JOINERS:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _OTHER_ALPHABETIC_SYMBOLS)


def _boundary(text: str, i: int) -> bool:
    r"""`\b` before text[i]: a word character on exactly one side (outside the string counts as none)."""
    before = i > 0 and _regex_word(text[i - 1])
    after = i < len(text) and _regex_word(text[i])
    return before != after


_ARTICLES = ("a", "an", "the", "and")


def _remove_articles(text: str) -> str:
    r"""`regex.sub(r"\b(a|an|the|and)\b", " ", text)`: scanned left to right, the alternatives tried in that order."""
    out = []
    i = 0
    while i < len(text):
        if _boundary(text, i):
            word = next((w for w in _ARTICLES if text.startswith(w, i) and _boundary(text, i + len(w))), None)
            if word is not None:
                out.append(" ")
                i += len(word)
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def normalize_answer(s: str) -> str:
    """LoCoMo's evaluation.py normalize_answer, verbatim in effect."""
    s = s.replace(",", "")

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        return "".join(ch for ch in text if ch not in _PUNCT)

    return white_space_fix(_remove_articles(remove_punc(s.lower())))


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
