"""The Answer Agent's reply grammar for the cited ids, as a transformers LogitsProcessor.

The app samples the reply under its JSON schema (app/agent/prompts/answerPrompt.ts `answerSchema`): the ids are an
array of at most MAX_CITED_IDS quoted shown ids, then `"answer"`. Sampled without it, the 135M model wrote `[1, 2, 3,
… 40,` until the token limit in most samples of the probe (no answer, reward 0 for the whole group, no gradient).
This processor allows, after the prompt's forced `{"memory_ids":[`, only `"<digits>"` items (at most MAX_CITED_IDS,
comma-separated, no whitespace), `]`, the literal `,"answer":"`, a JSON string (no control characters), `}` and the
end of the reply. Narrower than the app's grammar (no optional whitespace; any digits, not the shown ids only; no
length cap on the answer), which is all the reward needs: every reply reaches its answer and stops there, as every
reply in the app does.
"""

MAX_CITED_IDS = 5  # app/agent/prompts/answerPrompt.ts MAX_CITED_IDS
ANSWER_KEY = ',"answer":"'
ANSWER = ("answer", False)
END = ("end",)


def advance(state, ch: str):
    """The next state after one character, or None where the grammar forbids it. States: ("open", n) before an
    item or `]` (n items so far), ("id", n, digits) inside quotes, ("after", n) after an item, ("key", i) i characters
    into ANSWER_KEY, ("answer", escaped) inside the answer string, ("close",) after it, END after `}` (only the
end-of-reply token may follow)."""
    kind = state[0]
    if kind == "answer":
        if state[1]:
            return ANSWER
        if ord(ch) < 0x20:
            return None
        if ch == "\\":
            return ("answer", True)
        return ("close",) if ch == '"' else ANSWER
    if kind == "close":
        return END if ch == "}" else None
    if kind == "end":
        return None
    if kind == "open":
        n = state[1]
        if ch == '"' and n < MAX_CITED_IDS:
            return ("id", n, 0)
        if ch == "]" and n == 0:
            return ("key", 0)
        return None
    if kind == "id":
        n, digits = state[1], state[2]
        if ch.isdigit() and ch.isascii() and digits < 3:
            return ("id", n, digits + 1)
        if ch == '"' and digits > 0:
            return ("after", n + 1)
        return None
    if kind == "after":
        n = state[1]
        if ch == "," and n < MAX_CITED_IDS:
            return ("open_more", n)
        if ch == "]":
            return ("key", 0)
        return None
    if kind == "open_more":  # after a comma: an item must follow
        return ("id", state[1], 0) if ch == '"' else None
    if kind == "key":
        i = state[1]
        if ch != ANSWER_KEY[i]:
            return None
        return ANSWER if i + 1 == len(ANSWER_KEY) else ("key", i + 1)
    raise ValueError(state)


def run(state, text: str):
    for ch in text:
        state = advance(state, ch)
        if state is None:
            return None
    return state


START = ("open", 0)


class CitedIdsGrammar:
    """LogitsProcessor: masks every token the grammar forbids. The allowed tokens of a state are computed once, as a
    mask over the vocabulary (few states), from each token's text decoded once."""

    def __init__(self, tokenizer):
        self.prompt_length = 0  # set before each generate call: the completion starts there
        self.tokenizer = tokenizer
        self.texts = [tokenizer.decode([token_id]) for token_id in range(len(tokenizer))]
        self.eos = tokenizer.eos_token_id
        self.masks = {}

    def _mask(self, state, size: int, device):
        if state not in self.masks:
            import torch

            mask = torch.zeros(size, dtype=torch.bool)
            for token_id, text in enumerate(self.texts[:size]):
                if text and run(state, text) is not None:
                    mask[token_id] = True
            if state == END:
                mask[self.eos] = True
            self.masks[state] = mask.to(device)
        return self.masks[state]

    def __call__(self, input_ids, scores):
        for row in range(input_ids.shape[0]):
            ids = input_ids[row, self.prompt_length :].tolist()
            if self.eos in ids:
                continue  # finished: generate pads it
            state = run(START, self.tokenizer.decode(ids))
            if state is None:
                continue  # a token the grammar forbids cannot be sampled; left alone rather than stuck, should one be
            scores[row, ~self._mask(state, scores.shape[1], scores.device)] = -float("inf")
        return scores
