/**
 * The fault harness's own record of what it asked the bank to do, kept outside the bank (in the Node driver, or
 * in the page's memory for in-page runs), so a checker can tell what the bank lost from what it never got.
 * A batch is `committed` once `apply` resolved with ok for it; `in-flight` when the page was killed (or the
 * apply failed) before the driver saw that: the bank may hold it whole or not at all, never part of it.
 */
import type { PlannedOp } from './opBatches';

export type BatchState = 'committed' | 'in-flight';

export interface RecordedBatch {
  /** Unique per batch; the batch is applied with it as its turnId, so its history rows can be found. */
  tag: string;
  ops: PlannedOp[];
  state: BatchState;
}

export class CommitRecord {
  private readonly batches: RecordedBatch[] = [];
  private readonly byTag = new Map<string, RecordedBatch>();

  /** Before the batch is handed to the bank. */
  issued(tag: string, ops: readonly PlannedOp[]): void {
    if (this.byTag.has(tag)) throw new Error(`CommitRecord: batch ${tag} issued twice`);
    const batch: RecordedBatch = { tag, ops: ops.map((op) => ({ ...op })), state: 'in-flight' };
    this.batches.push(batch);
    this.byTag.set(tag, batch);
  }

  /** After `apply` resolved with ok for it. */
  committed(tag: string): void {
    const batch = this.byTag.get(tag);
    if (!batch) throw new Error(`CommitRecord: batch ${tag} was never issued`);
    batch.state = 'committed';
  }

  /** A batch the bank refused (validation): it must be absent, like a batch in flight that did not land. */
  refused(tag: string): void {
    const batch = this.byTag.get(tag);
    if (!batch) throw new Error(`CommitRecord: batch ${tag} was never issued`);
    batch.state = 'in-flight';
  }

  get size(): number {
    return this.batches.length;
  }

  count(state: BatchState): number {
    return this.batches.filter((b) => b.state === state).length;
  }

  /** In issue order (batches are applied one after another, so this is also commit order). */
  all(): readonly RecordedBatch[] {
    return this.batches;
  }

  static from(batches: readonly RecordedBatch[]): CommitRecord {
    const record = new CommitRecord();
    for (const b of batches) {
      record.issued(b.tag, b.ops);
      if (b.state === 'committed') record.committed(b.tag);
    }
    return record;
  }
}
