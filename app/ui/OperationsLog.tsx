import type { MemoryManagerEvent } from '../agent/memoryManager';

export interface LoggedEvent {
  key: number;
  at: number;
  model: string;
  event: MemoryManagerEvent;
}

const OP_CLASS: Record<string, string> = { ADD: 'op-add', UPDATE: 'op-update', DELETE: 'op-delete', NOOP: 'op-noop' };

/** The Memory Manager's work as it happens: applied operations with their texts, and rejections with reasons. */
export function OperationsLog({ events }: { events: readonly LoggedEvent[] }) {
  const shown = events.filter((e) => e.event.type === 'applied' || e.event.type === 'rejected' || e.event.type === 'skipped' || e.event.type === 'facts');
  return (
    <section aria-labelledby="ops-title" className="panel">
      <h2 id="ops-title">Memory operations</h2>
      {shown.length === 0 && <p className="note">Operations appear here as the Memory Manager processes each turn.</p>}
      <ol className="ops-log" data-testid="ops-log" aria-live="polite">
        {shown
          .slice()
          .reverse()
          .map(({ key, model, event }) => (
            <li key={key}>
              {event.type === 'facts' && (
                <p className="note" data-testid="ops-facts">
                  Facts from turn: {event.facts.length ? event.facts.join(' · ') : 'none'}
                </p>
              )}
              {event.type === 'skipped' && <p className="note">No facts in this turn; nothing to store.</p>}
              {event.type === 'rejected' && (
                <p className="error" data-testid="ops-rejected">
                  Rejected ({event.stage}, {model}): {event.errors.join('; ')}
                </p>
              )}
              {event.type === 'applied' && (
                <ul className="ops" data-testid="ops-applied">
                  {event.ops.map((op, i) => (
                    <li key={i} className={OP_CLASS[op.op]} data-op={op.op}>
                      <strong>{op.op}</strong>{' '}
                      {op.op === 'UPDATE' ? (
                        <>
                          <del>{op.before}</del> → <ins>{op.after}</ins>
                        </>
                      ) : op.op === 'DELETE' ? (
                        <del>{op.before}</del>
                      ) : (
                        <span>{op.after ?? op.before ?? ''}</span>
                      )}
                      <span className="note"> — {model}</span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
      </ol>
    </section>
  );
}
