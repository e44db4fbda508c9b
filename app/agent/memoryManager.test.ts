/**
 * The Memory Manager's flow on a real bank (fake-indexeddb + the exact vector index), with scripted model replies
 * (hand-written: this tests the parsing, retry, rejection and bank paths, not the model) and a bag-of-words
 * embedder. The real model runs in memoryManager.integration.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { dumpBank } from '../memory/faults/bankSnapshot';
import type { MemoryBank } from '../memory/memoryBank';
import { createMemoryManager, type DialogueTurn, MEMORY_MANAGER_PROMPT_VERSION, type MemoryManagerEvent } from './memoryManager';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { createScriptedLlmClient, type ScriptedReply } from './testing/scriptedLlmClient';

const NS = 'user:melanie';
let bank: MemoryBank;

beforeEach(async () => {
  bank = await openAgentTestBank();
});

afterEach(() => {
  bank.close();
  bank.db.close();
});

function turn(text: string, overrides: Partial<DialogueTurn> = {}): DialogueTurn {
  return { speaker: 'Melanie', text, sessionTime: '2023-05-25T13:14', turnId: 'D2:1', namespace: NS, ...overrides };
}

function seed(texts: string[], namespace = NS): Promise<string[]> {
  return seedMemories(
    bank,
    namespace,
    texts.map((text) => ({ text, embedding: hashingEmbedding(text) })),
  );
}

function setup(replies: (string | ScriptedReply)[]) {
  const llm = createScriptedLlmClient(replies);
  const embedder = createHashingEmbedder();
  const events: MemoryManagerEvent[] = [];
  const manager = createMemoryManager({ llm, embedder, bank }, { onEvent: (e) => events.push(e) });
  return { llm, embedder, events, manager };
}

const facts = (...list: string[]) => JSON.stringify({ facts: list });
const update = (...memory: { id: string; text: string; event: string }[]) => JSON.stringify({ memory });

describe('Memory Manager', () => {
  it('merges "adopted Buddy" and "adopted Scout" into one memory with a single UPDATE', async () => {
    const [buddy] = await seed(['Melanie adopted a dog named Buddy.']);
    await seed(['Caroline adopted a dog named Max.'], 'user:caroline'); // another namespace: never shown
    const { llm, manager } = setup([
      facts('Melanie adopted a second dog named Scout on 20 May 2023.'),
      update({ id: '0', text: 'Melanie adopted two dogs, Buddy and Scout.', event: 'UPDATE' }),
    ]);

    const result = await manager.processTurn(turn('I adopted another dog last Saturday! His name is Scout.'));

    expect(result.status).toBe('applied');
    if (result.status !== 'applied') return;
    expect(result.ops).toEqual([
      {
        event: 'UPDATE',
        op: 'UPDATE',
        memoryId: buddy,
        shortId: '0',
        before: 'Melanie adopted a dog named Buddy.',
        after: 'Melanie adopted two dogs, Buddy and Scout.',
      },
    ]);
    const memories = await bank.db.memories.where('namespace').equals(NS).toArray();
    expect(memories.map((m) => m.text)).toEqual(['Melanie adopted two dogs, Buddy and Scout.']);
    expect(memories[0]).toMatchObject({ id: buddy, sourceTurnIds: ['D2:1'], eventTime: '2023-05-25' });
    const history = await bank.db.memoryHistory.where('batchId').equals(result.batchId).toArray();
    expect(history).toEqual([
      expect.objectContaining({
        op: 'UPDATE',
        memoryId: buddy,
        before: 'Melanie adopted a dog named Buddy.',
        after: 'Melanie adopted two dogs, Buddy and Scout.',
        turnId: 'D2:1',
        model: 'scripted-test-model',
        promptVersion: MEMORY_MANAGER_PROMPT_VERSION,
      }),
    ]);
    // The index follows: the merged text is found under the same id.
    const merged = 'Melanie adopted two dogs, Buddy and Scout.';
    const [hit] = (await bank.hybridSearch(merged, hashingEmbedding(merged), { k: 1, namespaces: [NS] })).hits;
    expect(hit?.memory.id).toBe(buddy);
    expect(hit?.ranks).toEqual({ lexical: 1, dense: 1 });
    expect(hit?.denseScore).toBeCloseTo(1, 5);

    // What the model saw: the date resolved in code, the memory under "0", no UUID anywhere.
    const [factsRequest, updateRequest] = llm.requests;
    expect(factsRequest!.messages.at(-1)!.content).toBe(
      'Speaker: Melanie\nDate: 25 May 2023\nMessage: I adopted another dog on 20 May 2023! His name is Scout.',
    );
    expect(updateRequest!.messages.at(-1)!.content).toBe(
      'Memories:\n0: Melanie adopted a dog named Buddy.\nNew facts:\n- Melanie adopted a second dog named Scout on 20 May 2023.',
    );
    expect(JSON.stringify(llm.requests)).not.toContain(buddy);
    expect(updateRequest!.options.jsonSchema).toBeDefined();
    expect(result.usage.calls).toBe(2);
    expect(result.dateResolutions).toEqual([expect.objectContaining({ phrase: 'last Saturday', date: '2023-05-20' })]);
  });

  it('retries once with the reasons, then applies the corrected reply', async () => {
    const [running] = await seed(['Melanie likes running.']);
    const bad = update({ id: '5', text: 'Melanie likes running and reading.', event: 'UPDATE' });
    const { llm, events, manager } = setup([
      facts('Melanie likes reading.'),
      bad,
      update({ id: '0', text: 'Melanie likes running and reading.', event: 'UPDATE' }),
    ]);

    const result = await manager.processTurn(turn('I love reading too.'));

    expect(result).toMatchObject({ status: 'applied', attempts: 2 });
    expect(result.status === 'applied' && result.rawOutputs[0]).toBe(bad);
    expect((await bank.db.memories.get(running!))?.text).toBe('Melanie likes running and reading.');
    const retry = llm.requests[2]!.messages;
    expect(retry.slice(0, 4)).toEqual(llm.requests[1]!.messages);
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: bad });
    expect(retry.at(-1)!.content).toContain('entry 0 (UPDATE): id "5" is not one of the memories shown (the only id shown is "0")');
    expect(events.map((e) => e.type)).toEqual(['model-call', 'facts', 'candidates', 'model-call', 'attempt-rejected', 'model-call', 'applied']);
  });

  it('rejects visibly after the one retry and leaves the bank untouched', async () => {
    await seed(['Melanie likes running.', 'Melanie has two kids.']);
    const before = await dumpBank(bank.db);
    const cutOff = { text: '{"memory":[{"id":"0","text":"Melanie likes run', finishReason: 'length' as const };
    const unchanged = update({ id: '0', text: 'Melanie likes running.', event: 'UPDATE' });
    const { llm, events, manager } = setup([facts('Melanie likes running.'), cutOff, unchanged]);

    const result = await manager.processTurn(turn('Running is my thing.'));

    expect(result.status).toBe('rejected');
    if (result.status !== 'rejected') return;
    expect(result.stage).toBe('memory-update');
    expect(result.rawOutputs).toEqual([cutOff.text, unchanged]);
    expect(result.errors).toEqual([
      expect.stringMatching(/^attempt 1: the output is not valid JSON/),
      'attempt 1: the reply was cut off at the 400-token limit; keep the texts shorter',
      'attempt 2: entry 0 (UPDATE): UPDATE leaves memory "0" unchanged; use NOOP',
    ]);
    expect(result.attemptErrors).toHaveLength(2);
    expect(llm.remaining).toBe(0);
    expect(await dumpBank(bank.db)).toBe(before);
    expect(events.at(-1)).toMatchObject({ type: 'rejected', stage: 'memory-update', rawOutputs: [cutOff.text, unchanged] });
  });

  it('tells the model to use NOOP when it re-adds a stored fact, and rejects a second re-add', async () => {
    await seed(['Melanie is researching adoption agencies.']);
    const before = await dumpBank(bank.db);
    const readd = update({ id: '1', text: 'Melanie is researching adoption agencies.', event: 'ADD' });
    const { llm, manager } = setup([facts('Melanie is researching adoption agencies.'), readd, readd]);

    const result = await manager.processTurn(turn('I am researching adoption agencies.'));

    expect(result.status).toBe('rejected');
    expect(llm.requests[2]!.messages.at(-1)!.content).toContain('entry 0 (ADD): memory "0" already says this; use NOOP');
    expect(await dumpBank(bank.db)).toBe(before);
  });

  it('a fact-extraction reply that does not parse is retried, then rejected, never "no facts"', async () => {
    await seed(['Melanie likes running.']);
    const before = await dumpBank(bank.db);
    const { llm, manager } = setup(['Sure! Melanie likes running.', '{"facts": "Melanie likes running."}']);

    const result = await manager.processTurn(turn('I like running.'));

    expect(result).toMatchObject({ status: 'rejected', stage: 'facts', rawOutputs: ['Sure! Melanie likes running.', '{"facts": "Melanie likes running."}'] });
    expect(result.status === 'rejected' && result.errors).toEqual([
      expect.stringMatching(/^attempt 1: the output is not valid JSON/),
      'attempt 2: "facts" must be an array of strings, got "Melanie likes running."',
    ]);
    expect(llm.requests).toHaveLength(2);
    expect(await dumpBank(bank.db)).toBe(before);
  });

  it('applies DELETE and NOOP, recording both in the history', async () => {
    const [car, running] = await seed(['Melanie owns a red car.', 'Melanie likes running.']);
    const factsReply = facts('Melanie sold her red car.', 'Melanie likes running.');
    const said = turn('I sold my red car. Still running every day!');
    // Each memory is the first hit of one fact in both retrievers, so their fused scores tie and the order of the
    // short ids is the ids' order: ask the manager which short id each got (a refused reply writes nothing).
    const probe = await setup([factsReply, '', '']).manager.processTurn(said);
    expect(probe.status).toBe('rejected');
    expect(probe.candidates.map((c) => c.memoryId).sort()).toEqual([car, running].sort());
    const shortId = (id: string | undefined) => probe.candidates.find((c) => c.memoryId === id)!.shortId;
    const { manager } = setup([
      factsReply,
      update({ id: shortId(car), text: 'Melanie owns a red car.', event: 'DELETE' }, { id: shortId(running), text: 'Melanie likes running.', event: 'NOOP' }),
    ]);

    const result = await manager.processTurn(said);
    expect(result.candidates.map((c) => c.memoryId)).toEqual(probe.candidates.map((c) => c.memoryId));

    expect(result.status === 'applied' && result.ops.map((o) => [o.event, o.op, o.memoryId])).toEqual([
      ['DELETE', 'DELETE', car],
      ['NOOP', 'NOOP', running],
    ]);
    expect(await bank.db.memories.get(car!)).toBeUndefined();
    expect(
      (await bank.db.memoryHistory.toArray())
        .filter((h) => h.turnId === 'D2:1')
        .map((h) => h.op)
        .sort(),
    ).toEqual(['DELETE', 'NOOP']);
  });

  it('with no similar memory, adds every fact without a second model call', async () => {
    const { llm, manager } = setup([facts('Melanie ran a charity race on 20 May 2023.', 'Melanie plays the violin.')]);

    const result = await manager.processTurn(turn('I ran a charity race last Saturday. I also play the violin.'));

    expect(result.status).toBe('applied');
    expect(llm.requests).toHaveLength(1);
    const memories = await bank.db.memories.toArray();
    expect(memories.map((m) => [m.text, m.eventTime]).sort()).toEqual([
      ['Melanie plays the violin.', '2023-05-25'],
      ['Melanie ran a charity race on 20 May 2023.', '2023-05-20'],
    ]);
    expect(result.status === 'applied' && result.rawOutputs).toEqual([]);
  });

  it('resolves relative dates the model left in a fact', async () => {
    const { manager } = setup([facts('Melanie is going camping next month.')]);
    const result = await manager.processTurn(turn('We are thinking about going camping next month.'));
    expect(result.facts).toEqual(['Melanie is going camping in June 2023.']);
    expect((await bank.db.memories.toArray()).map((m) => m.text)).toEqual(['Melanie is going camping in June 2023.']);
  });

  it('skips a turn without facts, visibly', async () => {
    const { llm, events, manager } = setup([facts()]);
    const result = await manager.processTurn(turn('Hey Caroline, good to see you!'));
    expect(result).toMatchObject({ status: 'skipped', reason: 'no-facts', facts: [] });
    expect(llm.requests).toHaveLength(1);
    expect(events.at(-1)).toEqual({ type: 'skipped', turnId: 'D2:1', reason: 'no-facts' });
  });

  it('sums the token usage of every call', async () => {
    await seed(['Melanie likes running.']);
    const { llm, manager } = setup([facts('Melanie likes swimming.'), update({ id: '1', text: 'Melanie likes swimming.', event: 'ADD' })]);
    const result = await manager.processTurn(turn('I like swimming.'));
    expect(result.status).toBe('applied');
    expect(result.calls.map((c) => c.stage)).toEqual(['facts', 'memory-update']);
    expect(result.usage.calls).toBe(2);
    expect(result.usage.promptTokens).toBe(result.calls.reduce((n, c) => n + c.usage.promptTokens, 0));
    expect(result.usage.completionTokens).toBe(result.calls.reduce((n, c) => n + c.usage.completionTokens, 0));
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    expect(llm.remaining).toBe(0);
  });

  it('processTurns extracts every turn first, then updates in order against the bank as it grows', async () => {
    const { llm, manager } = setup([
      facts('Melanie adopted a dog named Buddy.'),
      facts('Melanie adopted a second dog named Scout.'),
      update({ id: '0', text: 'Melanie adopted two dogs, Buddy and Scout.', event: 'UPDATE' }),
    ]);
    const results = await manager.processTurns([turn('I adopted a dog, Buddy.', { turnId: 'D1:1' }), turn('I adopted Scout too.', { turnId: 'D1:2' })]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(
      llm.requests.map((r) => (r.options.jsonSchema === undefined ? '?' : 'memory' in (r.options.jsonSchema.properties as object) ? 'update' : 'facts')),
    ).toEqual(['facts', 'facts', 'update']);
    const memories = await bank.db.memories.toArray();
    expect(memories.map((m) => [m.text, m.sourceTurnIds])).toEqual([['Melanie adopted two dogs, Buddy and Scout.', ['D1:1', 'D1:2']]]);
  });

  it('refuses a turn it cannot date or place, before calling anything', async () => {
    const { llm, manager } = setup([]);
    await expect(manager.processTurn(turn('x', { sessionTime: '8 May, 2023' }))).rejects.toThrow(RangeError);
    await expect(manager.processTurn(turn('x', { namespace: ' ' }))).rejects.toThrow(/namespace/);
    expect(llm.requests).toHaveLength(0);
  });
});
