/**
 * Seeded, property-based generator of malformed memory-update replies (what a small model gets wrong: cut-off
 * JSON, prose, wrong types, unknown events, ids it was never shown, duplicate targets, re-added facts, no-op
 * UPDATEs), for the fault harness to run through the real Memory Manager against a real bank in the browser.
 * app/agent/memoryUpdate.property.test.ts runs the same arbitraries through the manager in Node; the harness draws
 * them with fc.sample, so a seed gives the same replies everywhere. Assumes the manager was shown 3 memories ("0", "1", "2") and 2 facts.
 */
import fc from 'fast-check';
import { MEMORY_EVENTS } from '../prompts/memoryUpdatePrompt';

export interface MalformedReply {
  kind: string;
  output: string;
  /** What the rejection must say. */
  reason: RegExp;
}

export const SHOWN_SHORT_IDS = ['0', '1', '2'];
export const FACTS_PER_TURN = 2;
const ALLOWED_KEYS = new Set(['id', 'text', 'event', 'old_memory']);
const EVENT_SET = new Set<string>(MEMORY_EVENTS);

export type Entry = Record<string, unknown>;
const word = fc.constantFrom('Melanie', 'likes', 'painting', 'with', 'her', 'kids', 'on', 'Sunday', 'camping', 'in', 'June', 'sold', 'blue', 'bike');
const freshText = fc.array(word, { minLength: 1, maxLength: 8 }).map((ws) => `${ws.join(' ')}.`);
const nonAddEvent = fc.constantFrom('UPDATE', 'DELETE', 'NOOP');
const notString = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
/** A memory-update reply with these entries, as the model writes it. */
export const json = (memory: unknown) => JSON.stringify({ memory });
const isJson = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

/** 1–2 entries that are valid against the shown memories: distinct targets, texts that change something. */
export const validEntries: fc.Arbitrary<Entry[]> = fc
  .tuple(
    fc.shuffledSubarray(SHOWN_SHORT_IDS, { minLength: 2, maxLength: 2 }),
    fc.array(fc.record({ event: fc.constantFrom(...MEMORY_EVENTS), text: freshText, addId: fc.string({ maxLength: 4 }) }), {
      minLength: 1,
      maxLength: FACTS_PER_TURN,
    }),
  )
  .map(([targets, specs]) =>
    specs.map(
      (s, i): Entry => (s.event === 'ADD' ? { id: s.addId, text: `${s.text} (${i})`, event: 'ADD' } : { id: targets[i]!, text: s.text, event: s.event }),
    ),
  );

function withBadEntry(kind: string, bad: fc.Arbitrary<Entry>, reason: RegExp): fc.Arbitrary<MalformedReply> {
  return fc.tuple(bad, validEntries, fc.boolean()).map(([entry, valid, first]) => {
    const others = valid.slice(0, FACTS_PER_TURN - 1);
    return { kind, output: json(first ? [entry, ...others] : [...others, entry]), reason };
  });
}

/** Every kind of malformed reply; `shown`: the texts of the memories shown as "0".."2". */
export function malformedReplyArbitrary(shown: readonly string[]): fc.Arbitrary<MalformedReply> {
  return fc.oneof(
    validEntries.chain((entries) => {
      const full = json(entries);
      return fc.nat({ max: full.length - 1 }).map((cut) => ({ kind: 'truncated', output: full.slice(0, cut), reason: /not valid JSON|empty/ }));
    }),
    fc
      .oneof(
        fc.string(),
        fc.constantFrom('Sure! Here is the update:', "{'memory': []}", 'memory: ADD 0', 'NaN', '{"memory":[]]}', '```json\n{"memory":[]}\n```'),
      )
      .filter((s) => !isJson(s))
      .map((output) => ({ kind: 'not JSON', output, reason: /not valid JSON|empty/ })),
    fc
      .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.string())
      .map((v) => ({ kind: 'root not an object', output: JSON.stringify(v), reason: /must be a JSON object/ })),
    fc
      .oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant({ id: '0' }))
      .map((v) => ({ kind: 'memory not an array', output: json(v), reason: /"memory" must be an array/ })),
    fc.constant({ kind: 'no entries', output: json([]), reason: /"memory" is empty/ }),
    fc
      .array(validEntries, { minLength: 2, maxLength: 3 })
      .map((lists) => ({ kind: 'too many entries', output: json(lists.flat().concat(lists.flat()).slice(0, 5)), reason: /entries; at most 2/ }))
      .filter((m) => (JSON.parse(m.output) as { memory: unknown[] }).memory.length > FACTS_PER_TURN),
    withBadEntry(
      'entry not an object',
      notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)) as fc.Arbitrary<Entry>,
      /must be an object/,
    ),
    withBadEntry('id of the wrong type', fc.record({ id: notString, text: freshText, event: fc.constantFrom(...MEMORY_EVENTS) }), /"id" must be a string/),
    withBadEntry(
      'text missing or of the wrong type',
      fc.record({ id: fc.constantFrom(...SHOWN_SHORT_IDS), text: notString, event: fc.constantFrom(...MEMORY_EVENTS) }, { requiredKeys: ['id', 'event'] }),
      /"text" must be a string/,
    ),
    withBadEntry(
      'unknown event',
      fc.record({
        id: fc.constantFrom(...SHOWN_SHORT_IDS),
        text: freshText,
        event: fc.oneof(
          fc.string().filter((s) => !EVENT_SET.has(s)),
          // NONE: mem0's word for NOOP, which a model trained on its prompt may write.
          fc.constantFrom('add', 'Update', 'NONE', 'MERGE'),
          notString,
        ),
      }),
      /unknown event/,
    ),
    withBadEntry(
      'unknown or garbled id',
      fc.record({
        id: fc.oneof(
          fc.integer({ min: 3, max: 1_000_000 }).map(String),
          fc.constantFrom('-1', '01', '0a', '1.0', 'zero', 'id_1', 'mem-2'),
          fc.string().filter((s) => s.trim() !== '' && !SHOWN_SHORT_IDS.includes(s.trim())),
        ),
        text: freshText,
        event: nonAddEvent,
      }),
      /is not one of the memories shown/,
    ),
    withBadEntry(
      'UUID-like id',
      fc.record({ id: fc.uuid(), text: freshText, event: nonAddEvent }),
      /is not one of the memories shown .*; use the short number shown before each memory/,
    ),
    withBadEntry('empty id', fc.record({ id: fc.constantFrom('', ' ', '\t'), text: freshText, event: nonAddEvent }), /"id" is empty/),
    withBadEntry(
      'empty text',
      fc.record({ id: fc.constantFrom(...SHOWN_SHORT_IDS), text: fc.constantFrom('', '  ', '\n'), event: fc.constantFrom('ADD', 'UPDATE') }),
      /"text" is empty/,
    ),
    withBadEntry(
      'extra field',
      fc
        .record({
          id: fc.constantFrom(...SHOWN_SHORT_IDS),
          text: freshText,
          event: nonAddEvent,
          key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !ALLOWED_KEYS.has(k) && k !== '__proto__'),
          value: fc.jsonValue(),
        })
        .map(({ key, value, ...entry }) => ({ ...entry, [key]: value })),
      /unexpected field/,
    ),
    withBadEntry(
      'huge text',
      fc
        .record({ id: fc.constantFrom(...SHOWN_SHORT_IDS), n: fc.integer({ min: 241, max: 50_000 }), event: fc.constantFrom(...MEMORY_EVENTS) })
        .map(({ id, n, event }) => ({ id, text: 'x'.repeat(n), event })),
      /characters; at most 240/,
    ),
    fc.tuple(fc.constantFrom(...SHOWN_SHORT_IDS), nonAddEvent, nonAddEvent, freshText, freshText).map(([id, e1, e2, t1, t2]) => ({
      kind: 'duplicated target',
      output: json([
        { id, text: t1, event: e1 },
        { id, text: t2, event: e2 },
      ]),
      reason: /already the target of entry 0/,
    })),
    fc
      .tuple(
        validEntries,
        fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'memory' && k !== '__proto__'),
      )
      .map(([entries, key]) => ({
        kind: 'extra root field',
        output: JSON.stringify({ memory: entries, [key]: true }),
        reason: /unexpected field/,
      })),
    fc.tuple(fc.nat({ max: 2 }), fc.string({ maxLength: 3 }), fc.boolean()).map(([k, addId, shout]) => ({
      kind: 're-added stored fact',
      output: json([{ id: addId, text: shout ? ` ${shown[k]!.toUpperCase()}  ` : shown[k]!, event: 'ADD' }]),
      reason: new RegExp(`memory "${k}" already says this; use NOOP`),
    })),
    fc.nat({ max: 2 }).map((k) => ({
      kind: 'UPDATE without change',
      output: json([{ id: String(k), text: shown[k]!, event: 'UPDATE' }]),
      reason: new RegExp(`UPDATE leaves memory "${k}" unchanged; use NOOP`),
    })),
  );
}

export function malformedReplies(shown: readonly string[], count: number, seed: number): MalformedReply[] {
  return fc.sample(malformedReplyArbitrary(shown), { numRuns: count, seed });
}
