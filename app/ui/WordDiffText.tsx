import { useMemo } from 'react';
import { wordDiff } from './wordDiff';

/** An UPDATE's old → new text as one line: removed words struck out, added words marked. Text nodes only. */
export function WordDiffText({ before, after }: { before: string; after: string }) {
  const segments = useMemo(() => wordDiff(before, after), [before, after]);
  return (
    <span className="word-diff" data-testid="word-diff">
      {segments.map((s, i) =>
        s.kind === 'same' ? (
          <span key={i}>{s.text}</span>
        ) : s.kind === 'removed' ? (
          <del key={i}>{s.text}</del>
        ) : (
          <ins key={i}>{s.text}</ins>
        ),
      )}
    </span>
  );
}
