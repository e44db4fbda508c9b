import { useLiveQuery } from 'dexie-react-hooks';
import type { AppliedOp } from '../agent/memoryManager';
import { type StoredOpEvent, storedEvent } from '../chat/opEvents';
import type { MemoryDB } from '../memory/db';
import type { TurnRecord } from '../memory/types';
import { WordDiffText } from './WordDiffText';

const OP_CLASS: Record<string, string> = { ADD: 'op-add', UPDATE: 'op-update', DELETE: 'op-delete', NOOP: 'op-noop' };
const SHOWN = new Set(['applied', 'rejected', 'skipped', 'facts', 'stopped']);
/** The stream shows the newest events; all of them stay stored (and exported). */
const SHOWN_LIMIT = 200;

interface OperationsLogProps {
  /** The op stream is read from its table (written by the chat session); null while the bank opens. */
  db: MemoryDB | null;
  onOpenMemory: (id: string) => void;
}

interface ShownEvent {
  key: string;
  model: string;
  event: StoredOpEvent;
}

/**
 * The Memory Manager's work as it happens, newest first: the facts of each turn, every applied operation (ADD
 * green, UPDATE amber with a word diff, DELETE red and struck out, NOOP grey and collapsed) and every rejected
 * batch with its reasons, each with the turn that caused it and the model that proposed it.
 */
export function OperationsLog({ db, onOpenMemory }: OperationsLogProps) {
  // Stored, so it survives a reload and shows what other tabs do; ids sort in the order events happened.
  const rows = useLiveQuery(
    async () =>
      db
        ? await db.opEvents
            .orderBy('id')
            .reverse()
            .filter((r) => SHOWN.has(r.type))
            .limit(SHOWN_LIMIT)
            .toArray()
        : [],
    [db],
  );
  const shown: ShownEvent[] = (rows ?? []).flatMap((r) => {
    const event = storedEvent(r);
    return event ? [{ key: r.id, model: r.model, event }] : [];
  });
  const turnIds = [...new Set(shown.map((e) => e.event.turnId))];
  const turns = useLiveQuery(async () => (db ? await db.turns.bulkGet(turnIds) : []), [db, turnIds.join('\n')]);
  const turnById = new Map((turns ?? []).flatMap((t) => (t ? [[t.id, t] as const] : [])));
  return (
    <section aria-labelledby="ops-title" className="panel ops-panel">
      <h2 id="ops-title">Memory operations</h2>
      {shown.length === 0 && <p className="note">Operations appear here as the Memory Manager processes each turn.</p>}
      <ol className="ops-log" data-testid="ops-log" aria-live="polite" aria-label="Memory operations, newest first">
        {shown.map(({ key, model, event }, i, newestFirst) => (
          <li key={key} data-event={event.type} className={newestFirst[i + 1]?.event.turnId === event.turnId ? 'same-turn' : undefined}>
            {/* One turn line per run of a turn's events (the facts, then the operations or the rejection). */}
            {newestFirst[i - 1]?.event.turnId !== event.turnId && <TurnLine turn={turnById.get(event.turnId)} turnId={event.turnId} model={model} />}
            {event.type === 'facts' && (
              <p className="note" data-testid="ops-facts">
                Facts: {event.facts.length ? event.facts.join(' · ') : 'none'}
              </p>
            )}
            {event.type === 'skipped' && <p className="note">No facts in this turn; nothing to store.</p>}
            {event.type === 'stopped' && (
              <p className="note" data-testid="ops-stopped">
                Stopped by you; this turn was not remembered.
              </p>
            )}
            {event.type === 'rejected' && (
              // biome-ignore lint/a11y/useSemanticElements: a message block named for screen readers; a fieldset would add its border and padding
              <div className="error" data-testid="ops-rejected" role="group" aria-label="Rejected batch">
                <strong>Rejected</strong> at {event.stage === 'facts' ? 'fact extraction' : 'memory update'}; the bank is unchanged:
                <ul>
                  {event.errors.map((reason, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a stored event's reasons never change or reorder, and two may read alike
                    <li key={i}>{reason}</li>
                  ))}
                </ul>
              </div>
            )}
            {event.type === 'applied' && (
              <ul className="ops" data-testid="ops-applied">
                {event.ops.map((op, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a stored batch's ops never change or reorder, and an ADD has no memory id yet
                  <OpItem key={i} op={op} onOpenMemory={onOpenMemory} />
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function TurnLine({ turn, turnId, model }: { turn: TurnRecord | undefined; turnId: string; model: string }) {
  return (
    <p className="turn-line meta">
      <span className="turn-text" title={turn?.text}>
        {turn ? `${turn.speaker}: ${turn.text}` : `turn ${turnId}`}
      </span>
      <span className="model" data-testid="op-model">
        {model}
      </span>
    </p>
  );
}

function OpItem({ op, onOpenMemory }: { op: AppliedOp; onOpenMemory: (id: string) => void }) {
  const open = op.memoryId && op.op !== 'DELETE' ? () => onOpenMemory(op.memoryId!) : null;
  const body =
    op.op === 'UPDATE' && op.before !== null && op.after !== null ? (
      <WordDiffText before={op.before} after={op.after} />
    ) : op.op === 'DELETE' ? (
      <del>{op.before}</del>
    ) : (
      <span>{op.after ?? op.before ?? '(no memory named)'}</span>
    );
  if (op.op === 'NOOP') {
    return (
      <li className={OP_CLASS.NOOP} data-op="NOOP">
        <details>
          <summary>
            <strong>NOOP</strong>
          </summary>
          {body}
        </details>
      </li>
    );
  }
  return (
    <li className={OP_CLASS[op.op]} data-op={op.op}>
      <strong>{op.op}</strong> {body}
      {open && (
        <button type="button" className="link" onClick={open} aria-label={`Open this memory in the explorer`}>
          open
        </button>
      )}
    </li>
  );
}
