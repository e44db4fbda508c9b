import { useMemo } from 'react';
import { wordDiff } from './wordDiff';

/** An UPDATE's old → new text as one line: removed words struck out, added words marked. Text nodes only. */
export function WordDiffText({ before, after }: { before: string; after: string }) {
  // Each segment is keyed by where it starts in the run of all segments' text: stable for the same props.
  const segments = useMemo(() => {
    let at = 0;
    return wordDiff(before, after).map((s) => {
      const key = `${s.kind}@${at}`;
      at += s.text.length;
      return { ...s, key };
    });
  }, [before, after]);
  return (
    <span className="word-diff" data-testid="word-diff">
      {segments.map((s) =>
        s.kind === 'same' ? <span key={s.key}>{s.text}</span> : s.kind === 'removed' ? <del key={s.key}>{s.text}</del> : <ins key={s.key}>{s.text}</ins>,
      )}
    </span>
  );
}
