/**
 * The NLTK ports against NLTK 3.9.1's own outputs, recorded in the conformance fixture
 * (scripts/conformance/make_fixture.py): sent_tokenize and word_tokenize on texts in their own case, and
 * PorterStemmer() on every word the fixture's pairs normalize to.
 */
import { describe, expect, it } from 'vitest';
import fixture from '../metrics.conformance.json';
import { porterStem } from './porterStemmer';
import { sentTokenize } from './punkt';
import { pySplit, pyStrip } from './pythonText';
import { nltkWordTokenizer, wordTokenize } from './wordTokenize';

const cases = fixture.tokenizer as { text: string; sentences: string[]; words: string[] }[];
const stems = Object.entries(fixture.stems as Record<string, string>);

describe('NLTK 3.9.1 ports', () => {
  it('sent_tokenize: Punkt with the English punkt_tab parameters, on every fixture text', () => {
    const wrong = cases.filter((c) => JSON.stringify(sentTokenize(c.text)) !== JSON.stringify(c.sentences));
    expect(wrong.slice(0, 3).map((c) => ({ text: c.text, ours: sentTokenize(c.text), nltk: c.sentences }))).toEqual([]);
    expect(cases.length).toBeGreaterThan(300);
  });

  it('word_tokenize on every fixture text', () => {
    const wrong = cases.filter((c) => JSON.stringify(wordTokenize(c.text)) !== JSON.stringify(c.words));
    expect(wrong.slice(0, 3).map((c) => ({ text: c.text, ours: wordTokenize(c.text), nltk: c.words }))).toEqual([]);
  });

  it('splits what 3.9.1 splits: sentence-final periods mid-text, curly quotes, backticks, ellipses, contractions', () => {
    expect(wordTokenize('She works at the company. Then she left.')).toEqual(['She', 'works', 'at', 'the', 'company', '.', 'Then', 'she', 'left', '.']);
    expect(wordTokenize('He said “hi” and ‘bye’ – `ok`...')).toEqual(['He', 'said', '“', 'hi', '”', 'and', '‘', 'bye', '’', '–', '`', 'ok', '`', '...']);
    expect(wordTokenize("I can't go, cannot.")).toEqual(['I', 'ca', "n't", 'go', ',', 'can', 'not', '.']);
    // Dr. is a known abbreviation: no sentence break, so "Dr." stays one token.
    expect(wordTokenize('Dr. Smith arrived.')).toEqual(['Dr.', 'Smith', 'arrived', '.']);
    expect(nltkWordTokenizer('Good muffins cost $3.88\nin New York.')).toEqual(['Good', 'muffins', 'cost', '$', '3.88', 'in', 'New', 'York', '.']);
  });

  it('PorterStemmer() in NLTK_EXTENSIONS mode on every word of the fixture', () => {
    const wrong = stems.filter(([w, s]) => porterStem(w) !== s);
    expect(wrong.slice(0, 10).map(([w, s]) => `${w}: ours ${porterStem(w)}, nltk ${s}`)).toEqual([]);
    expect(stems.length).toBeGreaterThan(800);
    expect(['may', 'one', 'dying', 'hopefully', 'skies', 'ties', 'generously'].map(porterStem)).toEqual(['may', 'one', 'die', 'hope', 'sky', 'tie', 'gener']);
  });

  it("Python's whitespace: U+FEFF is not a space, \\x1c and \\x85 are", () => {
    expect(pySplit('a\ufeffb c\x1cd\x85e\u3000f')).toEqual(['a\ufeffb', 'c', 'd', 'e', 'f']);
    expect(pyStrip('\x85\ufeffx\x1c ')).toBe('\ufeffx');
  });
});
