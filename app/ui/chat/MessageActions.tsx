import { useEffect, useRef, useState } from 'react';

interface MessageActionsProps {
  /** The answer's text as the model wrote it (markdown source), what Copy puts on the clipboard. */
  text: string;
  /** Absent where the message cannot be regenerated (not the last answer, or a turn is running). */
  onRegenerate?: () => void;
  disabled?: boolean;
}

/** How long "Copied" stays before the button reads "Copy" again. */
const FEEDBACK_MS = 2000;

type CopyState = { kind: 'idle' } | { kind: 'copied' } | { kind: 'failed'; reason: string };

/** Under an answer: copy it (with feedback that it worked, or why not) and regenerate it. */
export function MessageActions({ text, onRegenerate, disabled = false }: MessageActionsProps) {
  const [copy, setCopy] = useState<CopyState>({ kind: 'idle' });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  async function copyText() {
    if (timer.current) clearTimeout(timer.current);
    try {
      // The Clipboard API exists only in secure contexts (https, localhost).
      if (!navigator.clipboard?.writeText) throw new Error('this page has no clipboard access; select the text to copy it');
      await navigator.clipboard.writeText(text);
      setCopy({ kind: 'copied' });
      timer.current = setTimeout(() => setCopy({ kind: 'idle' }), FEEDBACK_MS);
    } catch (error) {
      setCopy({ kind: 'failed', reason: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <div className="message-actions">
      <button type="button" className="link" onClick={() => void copyText()} aria-label="Copy answer">
        {copy.kind === 'copied' ? 'Copied' : 'Copy'}
      </button>
      {onRegenerate && (
        <button type="button" className="link" onClick={onRegenerate} disabled={disabled} aria-label="Regenerate answer">
          Regenerate
        </button>
      )}
      <span role="status" className="note">
        {copy.kind === 'copied' ? 'Copied to the clipboard.' : copy.kind === 'failed' ? `Could not copy: ${copy.reason}` : ''}
      </span>
    </div>
  );
}
