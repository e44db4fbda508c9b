/**
 * Property-based tests of the Memory Manager's memory-update path (parse → remap → ops → the bank's validation,
 * one transaction), run through the manager itself with generated replies:
 * - every generated malformed reply (given on both attempts) is rejected with a reason of its kind, and the bank
 *   is byte-identical afterwards;
 * - every generated valid reply is applied, and its UPDATE / DELETE / NONE land on exactly the real memories the
 *   short ids named.
 * The model's replies are generated, the bank (fake-indexeddb + the exact vector index) is real.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBank } from '../memory/memoryBank';
import { dumpBank } from '../memory/testing/bankFixtures';
import { createMemoryManager, MEMORY_MANAGER_PROMPT_VERSION, type DialogueTurn, type ShownMemory } from './memoryManager';
import { MEMORY_EVENTS } from './prompts/memoryUpdatePrompt';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { createHashingEmbedder, hashingEmbedding } from './testing/hashingEmbedder';
import { createScriptedLlmClient } from './testing/scriptedLlmClient';

const NS = 'user:melanie';
const STORED = ['Melanie likes running.', 'Melanie has two kids.', 'Melanie owns a red car.'];
const FACTS_REPLY = JSON.stringify({ facts: ['Melanie likes painting with her kids.', 'Melanie sold her red car.'] });
const FACT_COUNT = 2;
const TURN: DialogueTurn = { speaker: 'Melanie', text: 'I paint with my kids now, and I sold my red car.', sessionTime: '2023-05-25', turnId: 'D2:3', namespace: NS };
const SHOWN_IDS = ['0', '1', '2'];
const ALLOWED_KEYS = new Set(['id', 'text', 'event', 'old_memory']);
const EVENT_SET = new Set<string>(MEMORY_EVENTS);

async function openSeededBank(): Promise<{ bank: MemoryBank; ids: string[] }> {
  const bank = await openAgentTestBank();
  const ids = await seedMemories(bank, NS, STORED.map((text) => ({ text, embedding: hashingEmbedding(text) })));
  return { bank, ids };
}

function runManager(bank: MemoryBank, replies: string[]) {
  const llm = createScriptedLlmClient(replies);
  return { llm, result: createMemoryManager({ llm, embedder: createHashingEmbedder(), bank }).processTurn(TURN) };
}

type Entry = Record<string, unknown>;
const word = fc.constantFrom('Melanie', 'likes', 'painting', 'with', 'her', 'kids', 'on', 'Sunday', 'camping', 'in', 'June', 'sold', 'blue', 'bike');
const freshText = fc.array(word, { minLength: 1, maxLength: 8 }).map((ws) => `${ws.join(' ')}.`);
const nonAddEvent = fc.constantFrom('UPDATE', 'DELETE', 'NONE');

/** 1–2 entries that are valid against the shown memories: distinct targets, texts that change something. */
const validEntries: fc.Arbitrary<Entry[]> = fc
  .tuple(
    fc.shuffledSubarray(SHOWN_IDS, { minLength: 2, maxLength: 2 }),
    fc.array(fc.record({ event: fc.constantFrom(...MEMORY_EVENTS), text: freshText, addId: fc.string({ maxLength: 4 }) }), { minLength: 1, maxLength: FACT_COUNT }),
  )
  .map(([targets, specs]) =>
    specs.map((s, i): Entry => (s.event === 'ADD' ? { id: s.addId, text: `${s.text} (${i})`, event: 'ADD' } : { id: targets[i]!, text: s.text, event: s.event })),
  );

interface Malformed {
  kind: string;
  output: string;
  reason: RegExp;
}

const json = (memory: unknown) => JSON.stringify({ memory });
const isJson = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};
const notString = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));

/** One bad entry, placed among up to one valid entry. */
function withBadEntry(kind: string, bad: fc.Arbitrary<Entry>, reason: RegExp): fc.Arbitrary<Malformed> {
  return fc.tuple(bad, validEntries, fc.boolean()).map(([entry, valid, first]) => {
    const others = valid.slice(0, FACT_COUNT - 1);
    return { kind, output: json(first ? [entry, ...others] : [...others, entry]), reason };
  });
}

/** Every kind of malformed reply, each with the reason it must be rejected for. `shown`: the texts under "0".."2". */
function malformedReplies(shown: readonly string[]): fc.Arbitrary<Malformed> {
  return fc.oneof(
    validEntries.chain((entries) => {
      const full = json(entries);
      return fc.nat({ max: full.length - 1 }).map((cut) => ({ kind: 'truncated', output: full.slice(0, cut), reason: /not valid JSON|empty/ }));
    }),
    fc
      .oneof(fc.string(), fc.constantFrom('Sure! Here is the update:', "{'memory': []}", 'memory: ADD 0', 'NaN', '{"memory":[]]}', '```json\n{"memory":[]}\n```'))
      .filter((s) => !isJson(s))
      .map((output) => ({ kind: 'not JSON', output, reason: /not valid JSON|empty/ })),
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.string()).map((v) => ({ kind: 'root not an object', output: JSON.stringify(v), reason: /must be a JSON object/ })),
    fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant({ id: '0' })).map((v) => ({ kind: 'memory not an array', output: json(v), reason: /"memory" must be an array/ })),
    fc.constant({ kind: 'no entries', output: json([]), reason: /"memory" is empty/ }),
    fc.array(validEntries, { minLength: 2, maxLength: 3 }).map((lists) => ({ kind: 'too many entries', output: json(lists.flat().concat(lists.flat()).slice(0, 5)), reason: /entries; at most 2/ })).filter((m) => JSON.parse(m.output).memory.length > FACT_COUNT),
    withBadEntry('entry not an object', notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)) as fc.Arbitrary<Entry>, /must be an object/),
    withBadEntry('id of the wrong type', fc.record({ id: notString, text: freshText, event: fc.constantFrom(...MEMORY_EVENTS) }), /"id" must be a string/),
    withBadEntry('text missing or of the wrong type', fc.record({ id: fc.constantFrom(...SHOWN_IDS), text: notString, event: fc.constantFrom(...MEMORY_EVENTS) }, { requiredKeys: ['id', 'event'] }), /"text" must be a string/),
    withBadEntry('unknown event', fc.record({ id: fc.constantFrom(...SHOWN_IDS), text: freshText, event: fc.oneof(fc.string().filter((s) => !EVENT_SET.has(s)), fc.constantFrom('add', 'Update', 'NOOP', 'MERGE'), notString) }), /unknown event/),
    withBadEntry(
      'unknown or garbled id',
      fc.record({
        id: fc.oneof(fc.integer({ min: 3, max: 1_000_000 }).map(String), fc.constantFrom('-1', '01', '0a', '1.0', 'zero', 'id_1', 'mem-2'), fc.string().filter((s) => s.trim() !== '' && !SHOWN_IDS.includes(s.trim()))),
        text: freshText,
        event: nonAddEvent,
      }),
      /is not one of the memories shown/,
    ),
    withBadEntry('UUID-like id', fc.record({ id: fc.uuid(), text: freshText, event: nonAddEvent }), /is not one of the memories shown .*; use the short number shown before each memory/),
    withBadEntry('empty id', fc.record({ id: fc.constantFrom('', ' ', '\t'), text: freshText, event: nonAddEvent }), /"id" is empty/),
    withBadEntry('empty text', fc.record({ id: fc.constantFrom(...SHOWN_IDS), text: fc.constantFrom('', '  ', '\n'), event: fc.constantFrom('ADD', 'UPDATE') }), /"text" is empty/),
    withBadEntry(
      'extra field',
      fc.record({ id: fc.constantFrom(...SHOWN_IDS), text: freshText, event: nonAddEvent, key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !ALLOWED_KEYS.has(k) && k !== '__proto__'), value: fc.jsonValue() }).map(
        ({ key, value, ...entry }) => ({ ...entry, [key]: value }),
      ),
      /unexpected field/,
    ),
    withBadEntry(
      'huge text',
      fc.record({ id: fc.constantFrom(...SHOWN_IDS), n: fc.integer({ min: 241, max: 50_000 }), event: fc.constantFrom(...MEMORY_EVENTS) }).map(({ id, n, event }) => ({ id, text: 'x'.repeat(n), event })),
      /characters; at most 240/,
    ),
    fc.tuple(fc.constantFrom(...SHOWN_IDS), nonAddEvent, nonAddEvent, freshText, freshText).map(([id, e1, e2, t1, t2]) => ({
      kind: 'duplicated target',
      output: json([{ id, text: t1, event: e1 }, { id, text: t2, event: e2 }]),
      reason: /already the target of entry 0/,
    })),
    fc.tuple(validEntries, fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'memory' && k !== '__proto__')).map(([entries, key]) => ({
      kind: 'extra root field',
      output: JSON.stringify({ memory: entries, [key]: true }),
      reason: /unexpected field/,
    })),
    fc.tuple(fc.nat({ max: 2 }), fc.string({ maxLength: 3 }), fc.boolean()).map(([k, addId, shout]) => ({
      kind: 're-added stored fact',
      output: json([{ id: addId, text: shout ? ` ${shown[k]!.toUpperCase()}  ` : shown[k]!, event: 'ADD' }]),
      reason: new RegExp(`memory "${k}" already says this; use NONE`),
    })),
    fc.nat({ max: 2 }).map((k) => ({ kind: 'UPDATE without change', output: json([{ id: String(k), text: shown[k]!, event: 'UPDATE' }]), reason: new RegExp(`UPDATE leaves memory "${k}" unchanged; use NONE`) })),
  );
}

describe('memory-update replies (property-based)', () => {
  let bank: MemoryBank;
  let ids: string[];
  let shown: ShownMemory[];

  beforeAll(async () => {
    ({ bank, ids } = await openSeededBank());
    // What the manager shows for TURN's facts on this bank, so generated replies can aim at real short ids.
    const probe = runManager(bank, [FACTS_REPLY, '', '']);
    const result = await probe.result;
    expect(result.status).toBe('rejected');
    shown = result.candidates;
    expect(shown.map((c) => c.shortId)).toEqual(SHOWN_IDS);
    expect([...shown.map((c) => c.memoryId)].sort()).toEqual([...ids].sort());
  });

  afterAll(() => {
    bank.close();
    bank.db.close();
  });

  it('rejects every malformed reply with a reason, leaving the bank byte-identical', async () => {
    const before = await dumpBank(bank.db);
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(malformedReplies(shown.map((c) => c.text)), async ({ kind, output, reason }) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const { llm, result } = runManager(bank, [FACTS_REPLY, output, output]);
        const r = await result;
        expect(r.status).toBe('rejected');
        if (r.status !== 'rejected') return;
        expect(r.stage).toBe('memory-update');
        expect(r.rawOutputs).toEqual([output, output]);
        expect(r.attemptErrors).toHaveLength(2);
        for (const errors of r.attemptErrors) {
          expect(errors.length).toBeGreaterThan(0);
          expect(errors.join('\n')).toMatch(reason);
        }
        expect(llm.remaining).toBe(0);
        expect(await dumpBank(bank.db)).toBe(before);
      }),
      { numRuns: 1200 },
    );
    // Every kind was generated many times.
    expect(kinds.size).toBe(20);
    for (const [kind, n] of kinds) expect(n, kind).toBeGreaterThan(15);
  }, 120_000);

  it('applies every valid reply, its UPDATE / DELETE / NONE on exactly the memories named', async () => {
    await fc.assert(
      fc.asyncProperty(validEntries, async (entries) => {
        const fresh = await openSeededBank();
        try {
          const { result } = runManager(fresh.bank, [FACTS_REPLY, json(entries)]);
          const r = await result;
          expect(r.status).toBe('applied');
          if (r.status !== 'applied') return;
          const byShort = new Map(r.candidates.map((c) => [c.shortId, c.memoryId]));
          expect(r.ops).toHaveLength(entries.length);
          r.ops.forEach((op, i) => {
            const entry = entries[i]!;
            expect(op.event).toBe(entry.event);
            if (entry.event === 'ADD') {
              expect(fresh.ids).not.toContain(op.memoryId);
            } else {
              expect(fresh.ids).toContain(op.memoryId);
              expect(op.memoryId).toBe(byShort.get(entry.id as string));
            }
          });
          for (const row of r.history) expect(row).toMatchObject({ model: 'scripted-test-model', promptVersion: MEMORY_MANAGER_PROMPT_VERSION, turnId: 'D2:3' });
        } finally {
          fresh.bank.close();
          fresh.bank.db.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
