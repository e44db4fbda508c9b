/**
 * A word-level diff for an UPDATE's old → new text: the longest common subsequence of words, so the op stream can
 * strike out what a memory lost and mark what it gained. Whitespace stays attached to the word before it, so
 * joining the shared and added segments gives back the new text exactly, and the shared and removed ones the old
 * text's words.
 */

export interface DiffSegment {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** Words with the whitespace that follows each; leading whitespace is a token of its own. */
export function tokenizeWords(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Past this many word pairs the LCS table is skipped: the whole old text is removed and the new one added. */
const MAX_CELLS = 250_000;

export function wordDiff(before: string, after: string): DiffSegment[] {
  const a = tokenizeWords(before);
  const b = tokenizeWords(after);
  const segments: DiffSegment[] = [];
  const push = (kind: DiffSegment['kind'], text: string) => {
    const last = segments.at(-1);
    if (last?.kind === kind) last.text += text;
    else segments.push({ kind, text });
  };
  // Words compare without their trailing whitespace: "dog " and "dog" are the same word.
  const same = (x: string, y: string) => x.trimEnd() === y.trimEnd();

  if (a.length * b.length > MAX_CELLS) {
    if (before) push('removed', before);
    if (after) push('added', after);
    return segments;
  }
  // lcs[i][j]: LCS length of a[i..] and b[j..].
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = same(a[i]!, b[j]!) ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (same(a[i]!, b[j]!)) {
      // The word is shared; its trailing whitespace is shared only where both texts have some (the new text's
      // wins), otherwise it belongs to the side that has it, so neither side's words run together ("b a" → "b").
      const word = b[j]!.trimEnd();
      const spaceA = a[i]!.slice(a[i]!.trimEnd().length);
      const spaceB = b[j]!.slice(word.length);
      push('same', word);
      if (spaceA && spaceB) push('same', spaceB);
      else if (spaceA) push('removed', spaceA);
      else if (spaceB) push('added', spaceB);
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) push('removed', a[i++]!);
    else push('added', b[j++]!);
  }
  while (i < a.length) push('removed', a[i++]!);
  while (j < b.length) push('added', b[j++]!);
  return segments;
}
