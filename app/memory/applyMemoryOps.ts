import type { MemoryDB } from './db';
import { isQuotaError, MemoryBankError } from './memoryBankError';
import type { IndexChanges, MemoryOp, MemoryOpBatch, OpError } from './memoryOps';
import { DEFAULT_EMBEDDING_DIMS } from './memoryOps';
import type { HistoryRecord, MemoryRecord } from './types';
import { validateMemoryOps } from './validateMemoryOps';

export type ApplyResult = { ok: true; batchId: string; history: HistoryRecord[]; changes: IndexChanges } | { ok: false; errors: OpError[] };

export interface ApplyOptions {
  dims?: number;
  now?: () => number;
  newId?: () => string;
  /** Fault injection for tests and the fault harness: called inside the transaction before op `index` is written. */
  faults?: { beforeWrite?: (index: number) => void };
}

function unitCopy(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  const scale = 1 / Math.sqrt(norm);
  return Float32Array.from(v, (x) => x * scale);
}

function mergeTurns(existing: readonly string[], added: readonly string[] | undefined, turnId: string | null): string[] {
  const all = [...existing, ...(added ?? []), ...(turnId ? [turnId] : [])];
  return [...new Set(all)];
}

/**
 * Validates a batch of memory operations against the bank, then applies all of it in one IndexedDB transaction.
 * A batch with any invalid op is rejected whole, with a reason per op, and nothing is written. NOOPs are recorded
 * in the history, not written to memories. Validation reads the candidates inside the same transaction, so a
 * batch from another tab cannot slip in between the check and the write.
 */
export async function applyMemoryOps(db: MemoryDB, batch: MemoryOpBatch, options: ApplyOptions = {}): Promise<ApplyResult> {
  const dims = options.dims ?? DEFAULT_EMBEDDING_DIMS;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => crypto.randomUUID());
  try {
    return await db.transaction('rw', db.memories, db.memoryHistory, async (): Promise<ApplyResult> => {
      const found = await db.memories.bulkGet([...new Set(batch.candidateIds)]);
      const current = new Map<string, MemoryRecord>();
      for (const m of found) if (m) current.set(m.id, m);
      const validation = validateMemoryOps(batch, current, dims);
      if (!validation.ok) return validation;

      const at = now();
      const batchId = newId();
      const history: HistoryRecord[] = [];
      const changes: IndexChanges = { upserts: [], removes: [] };
      const record = (seq: number, op: MemoryOp, memoryId: string | null, before: string | null, after: string | null) =>
        history.push({
          id: newId(),
          batchId,
          seq,
          op: op.op,
          memoryId,
          namespace: batch.namespace,
          before,
          after,
          turnId: batch.turnId,
          at,
          model: batch.proposer.model,
          promptVersion: batch.proposer.promptVersion,
        });

      for (const [seq, op] of validation.ops.entries()) {
        options.faults?.beforeWrite?.(seq);
        switch (op.op) {
          case 'ADD': {
            const memory: MemoryRecord = {
              id: newId(),
              namespace: batch.namespace,
              text: op.text.trim(),
              embedding: unitCopy(op.embedding),
              createdAt: at,
              updatedAt: at,
              sourceTurnIds: mergeTurns([], op.sourceTurnIds, batch.turnId),
              eventTime: op.eventTime ?? null,
            };
            await db.memories.add(memory);
            changes.upserts.push({ id: memory.id, namespace: memory.namespace, vector: memory.embedding });
            record(seq, op, memory.id, null, memory.text);
            break;
          }
          case 'UPDATE': {
            const before = current.get(op.id)!;
            const updated: MemoryRecord = {
              ...before,
              text: op.text.trim(),
              embedding: unitCopy(op.embedding),
              updatedAt: at,
              sourceTurnIds: mergeTurns(before.sourceTurnIds, op.sourceTurnIds, batch.turnId),
              eventTime: op.eventTime === undefined ? before.eventTime : op.eventTime,
            };
            await db.memories.put(updated);
            changes.upserts.push({ id: updated.id, namespace: updated.namespace, vector: updated.embedding });
            record(seq, op, op.id, before.text, updated.text);
            break;
          }
          case 'DELETE': {
            const before = current.get(op.id)!;
            await db.memories.delete(op.id);
            changes.removes.push(op.id);
            record(seq, op, op.id, before.text, null);
            break;
          }
          case 'NOOP': {
            const target = op.id ? current.get(op.id) : undefined;
            record(seq, op, target?.id ?? null, target?.text ?? null, target?.text ?? null);
            break;
          }
        }
      }
      await db.memoryHistory.bulkAdd(history);
      return { ok: true, batchId, history, changes };
    });
  } catch (error) {
    if (isQuotaError(error)) {
      throw new MemoryBankError(
        'Storage is full: this batch of memory operations was not saved, and nothing of it was written. Free some space (for example clear a model cache) and try again.',
        'quota',
        { cause: error },
      );
    }
    if (error instanceof MemoryBankError) throw error;
    throw new MemoryBankError(
      `Saving the memory operations failed, and nothing of the batch was written: ${error instanceof Error ? error.message : String(error)}`,
      'storage',
      { cause: error },
    );
  }
}
