"""
Builds the metric conformance fixture, app/eval/metrics.conformance.json: a few thousand project-made
prediction/gold pairs scored by the reference code (reference_metrics.py: Mem0's F1 and BLEU-1, LoCoMo's
per-category F1; nltk==3.9.1 with NLTK's English punkt_tab tables). app/eval/metrics.conformance.test.ts
compares app/eval/metrics.ts with every value. Run on demand (npm test never needs Python):

    scripts/conformance/setup.sh
    scripts/conformance/.venv/bin/python scripts/conformance/make_fixture.py
    # a larger check, not committed: LoCoMo's own answers and turns
    scripts/conformance/.venv/bin/python scripts/conformance/make_fixture.py --locomo ../shared/datasets/locomo/locomo-dev.json \
        --seed 7 --count 20000 --out /tmp/big-fixture.json

The pairs are generated here, seeded, from the project's own LoCoMo-format file (app/eval/fixtures/locomo-fixture.json:
its answers and turns; no LoCoMo text, whose CC BY-NC licence keeps it out of the repository), the templated
answers and sentences below, and perturbations of them that exercise what the tokenizers,
the stemmer and the normalizer treat specially: several sentences, abbreviations, curly quotes and guillemets,
backticks, contractions, numbers, dates, ellipses, dashes, brackets, accented names, and the whitespace that
Python and JavaScript classify differently (U+FEFF, \\x1c-\\x1f, \\x85, U+00A0, U+2009, U+3000). The committed
JSON holds every pair's text, so the unit test needs neither Python nor the dataset.
"""
import argparse
import contextlib
import io
import json
import os
import random
import sys
import tempfile
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NLTK_DATA = HERE / ".venv" / "nltk_data"
PUNKT_JSON = ROOT / "app" / "eval" / "nltk" / "punktEnglish.json"
OUT = ROOT / "app" / "eval" / "metrics.conformance.json"
PROJECT_LOCOMO = ROOT / "app" / "eval" / "fixtures" / "locomo-fixture.json"
SEED = 20


def install_punkt_tab():
    """Writes NLTK's punkt_tab/english directory (the files PunktTokenizer loads) from the committed tables."""
    from nltk.tokenize.punkt import PunktParameters, save_punkt_params

    data = json.loads(PUNKT_JSON.read_text(encoding="utf-8"))
    params = PunktParameters()
    params.abbrev_types = set(data["abbrevTypes"])
    params.collocations = {tuple(c) for c in data["collocations"]}
    params.sent_starters = set(data["sentStarters"])
    for typ, flags in data["orthoContext"].items():
        params.ortho_context[typ] = flags
    target = NLTK_DATA / "tokenizers" / "punkt_tab" / "english"
    target.mkdir(parents=True, exist_ok=True)
    save_punkt_params(params, dir=str(target))
    import nltk

    nltk.data.path.insert(0, str(NLTK_DATA))


BUILTIN_SENTENCES = [
    "Ava went to the book club on 7 May 2023.",
    "Gina painted a harbour at dawn in 2022. She loved it!",
    "Dr. Smith moved to the U.S. in Jan. 2020, then to Washington, D.C.",
    "He said, “I can't believe it's already June.” Then he left.",
    "She's been running since 3 p.m. -- isn't that a lot?",
    "The tickets cost $3.88 (roughly 3,36 euros) in New York. Please buy me two of them. Thanks.",
    "Wait... what? I didn't know that!",
    "`Hello', he said. ``Really?'' she asked.",
    "They're gonna visit María and José in São Paulo next week.",
    "Zoë's café — the one on Main St. — opened on 2023-05-07; it's great.",
    "I'd love to, but I cannot go. Gimme a minute... OK, let's go.",
    "The Eiffel Tower (in Paris) is 330 m tall; it was finished in 1889.",
    "«Bonjour», dit-il. „Guten Tag“, sagte sie.",
    "Mr. and Mrs. Brown arrived at 10:30 a.m. They'd been driving for 5 hrs.",
    "Yes. No. Maybe? Who knows!",
    "Jon lost his job on January 19th, 2023 – and then started a dance studio.",
    "It's 'tis the season, 'twas the night... wanna come?",
    "Price: 1,000,000 USD; discount: 15%; code #A12 @ store & online.",
    "Her email is gina@example.com and her site is example.com/gina.",
    "Week of 23 August 2023, i.e. the week before her birthday.",
]

EXOTIC_SPACES = ["\ufeff", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u00a0", "\u2009", "\u3000", "\u2028", "\t", "\n", "\r\n", "\x0b", "\x0c"]
QUOTES = [("“", "”"), ("‘", "’"), ("«", "»"), ("„", "“"), ('"', '"'), ("'", "'"), ("``", "''"), ("`", "'")]
PREFIXES = ["The answer is ", "I think it was ", "Probably ", "Answer: ", "Well, ", "As far as I know, ", "She said ", "It's "]
SUFFIXES = [".", "!", "?", "...", " …", ".”", ".)", " -- I think.", ", I guess.", "; not sure.", " (maybe).", "’s", "'s", "!!!", " etc."]
CONTRACTIONS = [("do not", "don't"), ("cannot", "can't"), ("I am", "I'm"), ("it is", "it's"), ("they are", "they're"),
                ("would have", "would've"), ("will not", "won't"), ("she is", "she's"), ("we will", "we'll"), ("I would", "I'd")]
ACCENTED = ["María", "José", "Zoë", "Chloé", "Renée", "Björn", "Łukasz", "Ñandú", "Ana-María", "Müller", "Ødegaard", "Ça", "Ångström", "naïve", "Mañana"]
DATES = ["7 May 2023", "May 7, 2023", "2023-05-07", "7/5/2023", "May 7th", "the week before 9 June 2023", "19 January, 2023",
         "Jan. 19, 2023", "in 2022", "1999", "summer 2021", "the 1990s", "12:30 p.m.", "3.5 hours", "0.5", "-3", "1,000", "10%"]
WORDS = ["running", "hopefully", "dying", "may", "one", "ones", "generously", "happily", "agreed", "feed", "conditional",
         "relational", "sensibility", "adoption", "counseling", "painting", "hiking", "swimming", "sisters", "caresses", "ponies",
         "ties", "cats", "meeting", "meetings", "skies", "dies", "lying", "news", "innings", "proceed", "exceed", "succeed",
         "gently", "early", "only", "singly", "atlases", "cosmos", "bias", "andes", "howe", "herring", "earring", "outing",
         "canning", "generate", "general", "generic", "communism", "communication", "university", "universe", "a", "an", "the", "and",
         "Andes", "Anderson", "theater", "analysis", "Theo", "l'an", "A-Team", "and/or", "the_best", "an_apple",
         # `regex`'s \\w (LoCoMo's) holds combining marks and not ² or ½; `re`'s the other way round.
         "n\u0303a", "\u0301an", "the\u0301", "²a", "½the", "a²", "\u200dan", "Toma\u0301s", "Mari\u0301a"]


NAMES = ["Ava", "Jon", "Gina", "Omar", "Priya", "Tomás", "María", "Zoë", "Björn", "Chloé", "Kenji", "Ngozi", "Dr. Lee", "Mrs. Park"]
PLACES = ["Lisbon", "São Paulo", "the U.K.", "Kyoto", "Reykjavík", "New York", "the Alps", "Zürich", "a lake in Maine", "Washington, D.C."]
THINGS = ["a pottery class", "a charity run", "painting a sunrise", "the dance studio", "her sister's wedding", "a camping trip",
          "the adoption agency", "a poetry reading", "his first marathon", "a cooking course", "volunteering at a shelter",
          "the book club", "learning the violin", "a road trip", "the science fair", "a job interview", "the farmers' market"]
REASONS = ["she loves the outdoors", "he said so in May", "it's close to home", "they'd planned it for years", "the kids enjoyed it"]
TEMPLATES = [
    "{n} went to {t} on {d}.", "{n} and {n2} visited {p} in {y}. They loved it!", "{n} said: “I can't wait for {t}.”",
    "After {t}, {n} moved to {p}... it was a big change.", "{n}'s favourite was {t} -- not {t2}.", "Did {n} enjoy {t}? Yes, a lot.",
    "{n} has been to {p}, {p2} and {p3}.", "It was {d}; {n} remembers it well.", "On {d} {n} started {t}. Then {n2} joined.",
    "{n} ({a} years old) likes {t} and {t2}.", "`{t}' was what {n} called it.", "{n} won't skip {t}; she's committed.",
]
ANSWER_TEMPLATES = [
    ("{d}", 2), ("{y}", 2), ("the week before {d}", 2), ("{t}", 4), ("{p}", 4), ("{n}", 4), ("{t}, {t2}", 1),
    ("{p}, {p2}, {p3}", 1), ("{n}, {n2}", 1), ("Likely yes; because {r}", 3), ("Probably not; {r}", 3), ("{a}", 4),
    ("{n}'s {t}", 4), ("\"{t}\"", 4), ("{t} and {t2}", 4),
]


def templated(rng, template):
    d = rng.choice(DATES[:8])
    return template.format(n=rng.choice(NAMES), n2=rng.choice(NAMES), p=rng.choice(PLACES), p2=rng.choice(PLACES),
                           p3=rng.choice(PLACES), t=rng.choice(THINGS), t2=rng.choice(THINGS), d=d, y=rng.choice(["2019", "2022", "2023", "1999"]),
                           a=rng.choice(["3", "7", "12", "41"]), r=rng.choice(REASONS))


def space_variants(text, rng):
    """Some spaces of `text` replaced by whitespace that Python and JavaScript classify differently."""
    chars = list(text)
    spaces = [i for i, c in enumerate(chars) if c == " "]
    for i in rng.sample(spaces, min(len(spaces), rng.randint(1, 3))):
        chars[i] = rng.choice(EXOTIC_SPACES)
    out = "".join(chars)
    if rng.random() < 0.3:
        out = rng.choice(EXOTIC_SPACES) + out + rng.choice(EXOTIC_SPACES)
    return out


def perturb(gold, rng, pool):
    """One prediction derived from `gold`, or drawn from the pool: the kinds an answer model produces."""
    kind = rng.randrange(16)
    if kind == 0:
        return gold
    if kind == 1:
        return gold.lower() if rng.random() < 0.5 else gold.upper()
    if kind == 2:
        return rng.choice(PREFIXES) + gold + rng.choice(SUFFIXES)
    if kind == 3:
        left, right = rng.choice(QUOTES)
        return left + gold + right + rng.choice(["", ".", " she said.", ", right?"])
    if kind == 4:
        out = gold
        for full, short in CONTRACTIONS:
            out = out.replace(full, short)
        return f"{rng.choice(CONTRACTIONS)[1]} know. " + out if out == gold else out
    if kind == 5:
        return space_variants(rng.choice(PREFIXES) + gold, rng)
    if kind == 6:
        return gold + ". " + rng.choice(pool)
    if kind == 7:
        return rng.choice(pool)
    if kind == 8:
        words = gold.split()
        rng.shuffle(words)
        return " ".join(words[: max(1, len(words) - rng.randint(0, 2))])
    if kind == 9:
        return f"{rng.choice(ACCENTED)} {rng.choice(['said', 'thinks', 'and'])} {gold}{rng.choice(SUFFIXES)}"
    if kind == 10:
        return f"{gold} {rng.choice(['--', '–', '—', '-', '...', '…'])} {rng.choice(DATES)}"
    if kind == 11:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8))) + rng.choice(["", ".", ",", "!"])
    if kind == 12:
        return ", ".join(rng.sample(pool, 2)) if rng.random() < 0.5 else gold.replace(" ", ", ")
    if kind == 13:
        accented = gold.replace("a", "á").replace("e", "é").replace("n", "ñ")
        return unicodedata.normalize("NFD", accented) if rng.random() < 0.5 else accented
    if kind == 14:
        return rng.choice(["", " ", "\ufeff", "\x85", "...", "the", "a an the and", "Not mentioned.", "No information available.", "None"])
    return f"{rng.choice(pool)} {rng.choice(['(', '[', '{', '<'])}{gold}{rng.choice([')', ']', '}', '>'])} {rng.choice(pool)}"


def load_locomo(path):
    """(question answers by category, conversation turns) from a LoCoMo-format file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    answers = []
    turns = []
    for sample in data:
        for qa in sample["qa"]:
            gold = qa.get("answer", qa.get("adversarial_answer"))
            if gold is not None:
                answers.append((str(gold), qa["category"]))
        for key, session in sample["conversation"].items():
            if key.startswith("session_") and isinstance(session, list):
                turns.extend(t["text"] for t in session if t.get("text"))
    return answers, turns


def build_pairs(answers, turns, rng, count):
    pool = BUILTIN_SENTENCES + turns + [templated(rng, rng.choice(TEMPLATES)) for _ in range(300)]
    golds = answers + [(s, rng.choice([1, 2, 3, 4])) for s in BUILTIN_SENTENCES] + [(d, 2) for d in DATES]
    golds += [(templated(rng, t), c) for t, c in ANSWER_TEMPLATES for _ in range(20)]
    golds += [(a, 5) for a in ["rest matters more than speed", "looking at piano teachers", "a red bike", "she moved to Lisbon"]]
    pairs = []
    # Every category, every perturbation kind: cycle through the golds, the kinds drawn at random.
    while len(pairs) < count:
        gold, category = golds[len(pairs) % len(golds)]
        if len(pairs) % 7 == 3:
            gold = space_variants(gold, rng) if " " in gold else gold + rng.choice(EXOTIC_SPACES)
        if category == 3 and ";" not in gold and rng.random() < 0.5:
            gold = gold + "; " + rng.choice(pool)
        prediction = perturb(gold, rng, pool)
        pairs.append({"prediction": prediction, "gold": gold, "category": category})
    # Multi-sentence text against multi-sentence text (turn vs turn, turn vs its own edit).
    for _ in range(count // 6):
        a = rng.choice(pool)
        b = rng.choice([a, perturb(a, rng, pool), rng.choice(pool) + " " + rng.choice(pool)])
        pairs.append({"prediction": b, "gold": a, "category": rng.choice([1, 2, 3, 4, 5])})
    return pairs


def score(pairs):
    import reference_metrics as ref

    # LoCoMo's per-category code reads a file of QA lines; it is run on the pairs as they are.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump({"qa": [{"answer": p["gold"], "prediction": p["prediction"], "category": p["category"], "evidence": []} for p in pairs]}, f)
        qa_file = f.name
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            locomo, _, _ = ref.eval_question_answering(qa_file, eval_key="prediction")
    finally:
        os.unlink(qa_file)
    out = []
    for p, lf1 in zip(pairs, locomo):
        with contextlib.redirect_stdout(io.StringIO()):
            m = ref.calculate_metrics(p["prediction"], p["gold"])
        em_gold = ref.normalize_answer(p["gold"])
        out.append({
            **p,
            "f1": float(m["f1"]),
            "bleu1": float(m["bleu1"]),
            "locomoF1": float(lf1),
            # Memory-R1's reward: LoCoMo-normalized strings equal (a gold that normalizes to nothing rewards nothing).
            "exactMatch": int(em_gold != "" and ref.normalize_answer(p["prediction"]) == em_gold),
        })
    return out


def tokenizer_cases(turns, rng):
    """Texts in their own case (Punkt's orthographic heuristics read case) with NLTK's sentences and words."""
    from nltk.tokenize import sent_tokenize, word_tokenize

    texts = BUILTIN_SENTENCES + rng.sample(turns, min(len(turns), 300)) + [templated(rng, t) for t in TEMPLATES for _ in range(12)]
    texts += [space_variants(t, rng) for t in rng.sample(texts, 80) if " " in t]
    texts += [" ".join(rng.sample(BUILTIN_SENTENCES, 3)) for _ in range(40)]
    return [{"text": t, "sentences": sent_tokenize(t), "words": word_tokenize(t)} for t in texts]


def stem_cases(answers, turns, pairs):
    """NLTK's PorterStemmer() (NLTK_EXTENSIONS mode) on every word the pairs and the turns normalize to."""
    import reference_metrics as ref

    words = set(WORDS)
    for text in [a for a, _ in answers] + turns + [p["prediction"] for p in pairs] + [p["gold"] for p in pairs]:
        words.update(ref.normalize_answer(text).split())
    return {w: ref.ps.stem(w) for w in sorted(words)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locomo", default=str(PROJECT_LOCOMO), help="a LoCoMo-format JSON whose answers and turns seed the pairs (default: the project's own)")
    parser.add_argument("--count", type=int, default=2400, help="pairs built from answers (a sixth more from turns)")
    parser.add_argument("--seed", type=int, default=SEED, help="another seed gives other pairs (e.g. a larger check, not committed)")
    parser.add_argument("--out", default=str(OUT), help="where to write the fixture")
    args = parser.parse_args()
    install_punkt_tab()
    sys.path.insert(0, str(HERE))
    answers, turns = load_locomo(args.locomo)
    pairs = build_pairs(answers, turns, random.Random(args.seed), args.count)
    scored = score(pairs)
    import nltk

    fixture = {
        "source": Path(args.locomo).name,
        "about": "Expected metric values from the reference code (scripts/conformance/reference_metrics.py: Mem0 "
        "evaluation/metrics/utils.py d85fcda, LoCoMo task_eval/evaluation.py 9228632) under nltk "
        f"{nltk.__version__}; regenerate with scripts/conformance/make_fixture.py",
        "nltk": nltk.__version__,
        "pairs": scored,
        "tokenizer": tokenizer_cases(turns, random.Random(args.seed + 1)),
        "stems": stem_cases(answers, turns, pairs),
    }
    out = Path(args.out)
    out.write_text(json.dumps(fixture, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    cats = {}
    for p in scored:
        cats[p["category"]] = cats.get(p["category"], 0) + 1
    print(f"{out}: {len(scored)} pairs, by category {dict(sorted(cats.items()))}; "
          f"{len(fixture['tokenizer'])} tokenizer texts, {len(fixture['stems'])} stems")


if __name__ == "__main__":
    main()
