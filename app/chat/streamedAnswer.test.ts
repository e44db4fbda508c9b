import { describe, expect, it } from 'vitest';
import { answerSoFar } from './streamedAnswer';

describe('answerSoFar', () => {
  it('shows nothing until the answer field starts, then the answer as it grows', () => {
    const full = '{"memory_ids":["0","2"],"answer":"Buddy, a \\"golden\\" dog\\nadopted in \\u00e9t\\u00e9"}';
    expect(answerSoFar(full.slice(0, 20))).toBe('');
    expect(answerSoFar(full.slice(0, 40))).toBe('Buddy,');
    expect(answerSoFar(full)).toBe('Buddy, a "golden" dog\nadopted in été');
  });

  it('never shows half an escape', () => {
    expect(answerSoFar('{"answer":"a\\')).toBe('a');
    expect(answerSoFar('{"answer":"a\\u00')).toBe('a');
  });
});
