/**
 * Turns the model's remapped entries into the bank's operations: ADD / UPDATE carry the embedding of their new
 * text (computed beforehand: nothing but IndexedDB may be awaited inside the transaction that applies them) and
 * an eventTime; DELETE and NOOP name the memory. The ops keep the entries' order, so the bank's reason for op i is about entry i.
 */

import { findExplicitDate } from '../lib/calendar';
import type { MemoryOp } from '../memory/memoryOps';
import type { MemoryRecord } from '../memory/types';
import { normalizeMemoryText } from '../memory/validateMemoryOps';
import type { RemappedEntry } from './remapMemoryIds';

/** The distinct texts that need an embedding before the entries can become ops. */
export function textsToEmbed(entries: readonly RemappedEntry[]): string[] {
  const texts = entries.flatMap((e) => (e.event === 'ADD' || e.event === 'UPDATE' ? [e.text] : []));
  return [...new Set(texts)];
}

export interface MemoryOpsContext {
  /** The session's date, YYYY-MM-DD: when an undated fact was learned. */
  sessionDate: string;
  /** The memories the model was shown, by real id. */
  candidates: ReadonlyMap<string, MemoryRecord>;
  /** An embedding for every text of textsToEmbed(entries). */
  embeddings: ReadonlyMap<string, Float32Array>;
}

function embeddingOf(text: string, context: MemoryOpsContext): Float32Array {
  const vector = context.embeddings.get(text);
  if (!vector) throw new Error(`no embedding was computed for ${JSON.stringify(text.slice(0, 60))}`);
  return vector;
}

/**
 * eventTime: the date written in the text (dates were resolved before extraction, so "on 7 May 2023" is there
 * when the fact is about a dated event), else the session date. An UPDATE that does not change the text keeps
 * the memory's eventTime, so the bank can still tell it is no change at all (and say "use NOOP").
 */
export function memoryOpsFromEntries(entries: readonly RemappedEntry[], context: MemoryOpsContext): MemoryOp[] {
  return entries.map((entry): MemoryOp => {
    switch (entry.event) {
      case 'ADD':
        return { op: 'ADD', text: entry.text, embedding: embeddingOf(entry.text, context), eventTime: findExplicitDate(entry.text) ?? context.sessionDate };
      case 'UPDATE': {
        const before = context.candidates.get(entry.memoryId);
        const unchanged = before !== undefined && normalizeMemoryText(before.text) === normalizeMemoryText(entry.text);
        const eventTime = findExplicitDate(entry.text) ?? (unchanged ? undefined : context.sessionDate);
        return {
          op: 'UPDATE',
          id: entry.memoryId,
          text: entry.text,
          embedding: embeddingOf(entry.text, context),
          ...(eventTime !== undefined ? { eventTime } : {}),
        };
      }
      case 'DELETE':
        return { op: 'DELETE', id: entry.memoryId };
      case 'NOOP':
        return { op: 'NOOP', id: entry.memoryId };
    }
  });
}
