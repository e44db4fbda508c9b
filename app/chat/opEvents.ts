/**
 * The op stream's events as stored in `opEvents`: the Memory Manager's decisions for each turn, and the user
 * stopping it. Model calls and retrieval candidates are its working, not its decisions, and are not kept.
 */
import type { MemoryManagerEvent } from '../agent/memoryManager';
import type { OpEventRecord } from '../memory/db';

export type StoredOpEvent =
  | Extract<MemoryManagerEvent, { type: 'facts' | 'attempt-rejected' | 'applied' | 'rejected' | 'skipped' }>
  | { type: 'stopped'; turnId: string };

const STORED_TYPES: ReadonlySet<string> = new Set<StoredOpEvent['type']>(['facts', 'attempt-rejected', 'applied', 'rejected', 'skipped', 'stopped']);

export function isStoredEvent(event: { type: string }): event is StoredOpEvent {
  return STORED_TYPES.has(event.type);
}

/** A row's event. Rows are written by the chat session alone (or imported from its export), from these types. */
export function storedEvent(record: OpEventRecord): StoredOpEvent | null {
  return isStoredEvent(record.event) ? record.event : null;
}
