/**
 * Short ids for the model, real ids for the bank. The model is shown candidates as "0", "1", … (never the bank's
 * UUIDs); its reply is mapped back here, and any id that was not shown is an error with the entry named.
 */
import type { MemoryUpdateEntry } from './parseMemoryUpdate';
import { describeValue, type ParseResult } from './parseResult';

export interface ShortIdMap {
  /** "0", "1", … in the order the memories are shown. */
  readonly shortIds: readonly string[];
  readonly realIds: readonly string[];
  toReal(shortId: string): string | undefined;
  toShort(realId: string): string | undefined;
}

/** Memory i of `realIds` gets the short id String(i). Real ids must be distinct. */
export function createShortIdMap(realIds: readonly string[]): ShortIdMap {
  const byReal = new Map<string, string>();
  realIds.forEach((id, i) => {
    if (byReal.has(id)) throw new TypeError(`memory id ${JSON.stringify(id)} is listed twice`);
    byReal.set(id, String(i));
  });
  const real = [...realIds];
  const shortIds = real.map((_, i) => String(i));
  return {
    shortIds,
    realIds: real,
    toReal: (shortId) => (/^(0|[1-9]\d*)$/.test(shortId) ? real[Number(shortId)] : undefined),
    toShort: (realId) => byReal.get(realId),
  };
}

/** An entry with its id resolved: ADD has none (the model's invented id is dropped), the others a real memory. */
export type RemappedEntry =
  | { event: 'ADD'; text: string }
  | { event: 'UPDATE'; memoryId: string; shortId: string; text: string }
  | { event: 'DELETE'; memoryId: string; shortId: string }
  | { event: 'NOOP'; memoryId: string; shortId: string };

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function shownRange(map: ShortIdMap): string {
  const n = map.shortIds.length;
  return n === 1 ? 'the only id shown is "0"' : `the ids shown are "0" to "${n - 1}"`;
}

/** Maps every entry's short id to the real memory id; the result has the entries' order and length. */
export function remapMemoryUpdate(entries: readonly MemoryUpdateEntry[], map: ShortIdMap): ParseResult<RemappedEntry[]> {
  const errors: string[] = [];
  const out: RemappedEntry[] = [];
  entries.forEach((entry, i) => {
    if (entry.event === 'ADD') {
      out.push({ event: 'ADD', text: entry.text });
      return;
    }
    const memoryId = map.toReal(entry.id);
    if (memoryId === undefined) {
      const label = `entry ${i} (${entry.event})`;
      if (map.shortIds.length === 0) {
        errors.push(`${label}: no memories were shown, so there is nothing to ${entry.event === 'NOOP' ? 'keep' : entry.event.toLowerCase()}; use ADD`);
      } else {
        const hint = UUID_LIKE.test(entry.id) ? '; use the short number shown before each memory' : '';
        errors.push(`${label}: id ${describeValue(entry.id)} is not one of the memories shown (${shownRange(map)})${hint}`);
      }
      return;
    }
    const shortId = entry.id;
    if (entry.event === 'UPDATE') out.push({ event: 'UPDATE', memoryId, shortId, text: entry.text });
    else out.push({ event: entry.event, memoryId, shortId });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}

/**
 * Rewrites a message about real ids (the bank's validation reasons) in the model's terms: each real id becomes
 * its short id and "operation" becomes "entry", so a retry prompt never shows a UUID.
 */
export function inShortIds(message: string, map: ShortIdMap): string {
  let out = message;
  for (const realId of map.realIds) {
    if (out.includes(realId)) out = out.split(realId).join(`"${map.toShort(realId)!}"`);
  }
  return out.replace(/\boperations?\b/g, (w) => w.replace('operation', 'entry').replace(/entrys$/, 'entries'));
}
