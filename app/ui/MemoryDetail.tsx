import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useRef, useState } from 'react';
import type { EmbedWorkerClient } from '../embed/embedClient';
import type { MemoryBank } from '../memory/memoryBank';
import { MANUAL_PROPOSER } from '../memory/types';
import { orderHistory } from './historyOrder';
import { useBusyTask } from './useBusyTask';
import { WordDiffText } from './WordDiffText';

interface MemoryDetailProps {
  bank: MemoryBank;
  id: string;
  embedder: EmbedWorkerClient | null;
  onClose: () => void;
}

function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * One memory: its text, its whole history (every op that touched it, oldest first, with the turn and the model),
 * and edit / delete by hand. An edit is an UPDATE batch from the `manual` proposer through `bank.apply`: one
 * transaction, validated like the model's, recorded in the history. It needs the embedding model: the new text's
 * embedding is what dense search finds it by, and keeping the old one would leave the memory findable by what it
 * no longer says.
 */
export function MemoryDetail({ bank, id, embedder, onClose }: MemoryDetailProps) {
  const { db } = bank;
  const memory = useLiveQuery(() => db.memories.get(id), [db, id]);
  const history = useLiveQuery(async () => orderHistory(await db.memoryHistory.where('memoryId').equals(id).toArray()), [db, id]);
  const turnIds = [...new Set((history ?? []).flatMap((h) => (h.turnId ? [h.turnId] : [])))];
  const turns = useLiveQuery(() => db.turns.bulkGet(turnIds), [db, turnIds.join('\n')]);
  const turnById = new Map((turns ?? []).flatMap((t) => (t ? [[t.id, t] as const] : [])));
  const [draft, setDraft] = useState<string | null>(null);
  const { busy, problem, setProblem, run } = useBusyTask();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // A memory opened from the chat or the op stream takes the keyboard focus with it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: it runs when another memory (id) is opened; setProblem is useBusyTask's state setter
  useEffect(() => {
    headingRef.current?.focus();
    setDraft(null);
    setProblem('');
  }, [id]);

  const deleted = history !== undefined && memory === undefined;
  const namespace = memory?.namespace ?? history?.[0]?.namespace ?? '';

  const save = () =>
    run(async () => {
      if (!embedder || draft === null) return;
      const embedding = await embedder.embed([draft]);
      const result = await bank.apply({
        namespace,
        ops: [{ op: 'UPDATE', id, text: draft, embedding }],
        candidateIds: [id],
        turnId: null,
        proposer: MANUAL_PROPOSER,
      });
      if (!result.ok) setProblem(`Not saved: ${result.errors.map((e) => e.reason).join('; ')}`);
      else setDraft(null);
    });

  const remove = () =>
    run(async () => {
      const result = await bank.apply({ namespace, ops: [{ op: 'DELETE', id }], candidateIds: [id], turnId: null, proposer: MANUAL_PROPOSER });
      if (!result.ok) setProblem(`Not deleted: ${result.errors.map((e) => e.reason).join('; ')}`);
    });

  return (
    <section className="panel" aria-labelledby="memory-detail-title" data-testid="memory-detail">
      <div className="row spread">
        <h2 id="memory-detail-title" tabIndex={-1} ref={headingRef}>
          {deleted ? 'Deleted memory' : 'Memory'}
        </h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      {memory && (
        <>
          <p className="memory-current" data-testid="memory-current">
            {memory.text}
          </p>
          <p className="meta">
            {memory.namespace}
            {memory.eventTime ? ` · happened ${memory.eventTime}` : ''} · from {memory.sourceTurnIds.length} turn{memory.sourceTurnIds.length === 1 ? '' : 's'}
          </p>
          {draft === null ? (
            <div className="row">
              <button type="button" onClick={() => setDraft(memory.text)} disabled={!embedder || busy}>
                Edit
              </button>
              <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
                Delete
              </button>
            </div>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              <label htmlFor="memory-edit">Memory text</label>
              <textarea id="memory-edit" rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} />
              <div className="row">
                <button type="submit" disabled={!embedder || busy || !draft.trim()}>
                  Save
                </button>
                <button type="button" className="secondary" onClick={() => setDraft(null)}>
                  Cancel
                </button>
              </div>
            </form>
          )}
          {!embedder && (
            <p className="note" data-testid="edit-needs-embedder">
              Editing needs the embedding model: the new text gets its own embedding, so search finds the memory by what it now says.
            </p>
          )}
        </>
      )}
      {problem && (
        <p role="alert" className="error" data-testid="detail-problem">
          {problem}
        </p>
      )}
      <h3>History</h3>
      <ol className="timeline" data-testid="memory-history" aria-label="History of this memory, oldest first">
        {(history ?? []).map((h) => {
          const turn = h.turnId ? turnById.get(h.turnId) : undefined;
          return (
            <li key={h.id} className={`op-${h.op.toLowerCase()}`} data-op={h.op}>
              <p className="meta">
                <strong>{h.op}</strong> · {when(h.at)} · {h.model === MANUAL_PROPOSER.model ? 'by hand' : h.model}
                {h.turnId ? ` · turn ${turn ? `${turn.speaker}: ${turn.text}` : h.turnId}` : ''}
              </p>
              {h.op === 'UPDATE' && h.before !== null && h.after !== null ? (
                <WordDiffText before={h.before} after={h.after} />
              ) : h.op === 'DELETE' ? (
                <del>{h.before}</del>
              ) : (
                <span>{h.after ?? h.before}</span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
