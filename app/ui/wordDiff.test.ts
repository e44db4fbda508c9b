import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DiffSegment, tokenizeWords, wordDiff } from './wordDiff';

const side = (segments: DiffSegment[], keep: 'removed' | 'added') =>
  segments
    .filter((s) => s.kind === 'same' || s.kind === keep)
    .map((s) => s.text)
    .join('');

describe('wordDiff', () => {
  it('marks the replaced word and keeps the rest', () => {
    expect(wordDiff('Alice has a dog named Buddy', 'Alice has a cat named Buddy')).toEqual([
      { kind: 'same', text: 'Alice has a ' },
      { kind: 'removed', text: 'dog ' },
      { kind: 'added', text: 'cat ' },
      { kind: 'same', text: 'named Buddy' },
    ]);
  });

  it('shows appended and dropped words', () => {
    expect(wordDiff('Alice lives in Paris', 'Alice lives in Paris since May 2023')).toEqual([
      { kind: 'same', text: 'Alice lives in Paris' },
      { kind: 'added', text: ' since May 2023' },
    ]);
    expect(wordDiff('Bob likes tea and coffee', 'Bob likes coffee')).toEqual([
      { kind: 'same', text: 'Bob likes ' },
      { kind: 'removed', text: 'tea and ' },
      { kind: 'same', text: 'coffee' },
    ]);
  });

  it('keeps the removed words apart when the shared word loses its trailing space', () => {
    expect(wordDiff('b a', 'b')).toEqual([
      { kind: 'same', text: 'b' },
      { kind: 'removed', text: ' a' },
    ]);
  });

  it('handles empty texts', () => {
    expect(wordDiff('', '')).toEqual([]);
    expect(wordDiff('', 'new fact')).toEqual([{ kind: 'added', text: 'new fact' }]);
    expect(wordDiff('old fact', '')).toEqual([{ kind: 'removed', text: 'old fact' }]);
  });

  it('tokenizes words with their trailing whitespace', () => {
    expect(tokenizeWords('  a  b\tc ')).toEqual(['  ', 'a  ', 'b\t', 'c ']);
  });

  it('gives back both texts for any input', () => {
    const words = fc.array(fc.constantFrom('a', 'b', 'c', 'dog', 'cat', 'Buddy'), { maxLength: 12 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(words, words, (before, after) => {
        const segments = wordDiff(before, after);
        expect(side(segments, 'added')).toBe(after);
        // Single spaces between words here, so the old text comes back exactly too.
        expect(side(segments, 'removed')).toBe(before);
        // Adjacent segments never share a kind.
        for (let i = 1; i < segments.length; i++) expect(segments[i]!.kind).not.toBe(segments[i - 1]!.kind);
      }),
    );
  });

  it('falls back to remove-all/add-all on very long texts instead of building a huge table', () => {
    const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    const segments = wordDiff(long, `${long} more`);
    expect(segments).toEqual([
      { kind: 'removed', text: long },
      { kind: 'added', text: `${long} more` },
    ]);
  });
});
