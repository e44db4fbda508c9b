/**
 * The parsers and the manager's bank path on REAL replies of SmolLM2-135M-Instruct, recorded by
 * scripts/record-fixtures.ts (`npm run fixtures:record`; dialogue turns and questions from the project's own
 * LoCoMo-format file, app/eval/fixtures/locomo-fixture.json). What is asserted is
 * structure and the bank's consistency — the 135M model follows the schema (its grammar guarantees it), not the
 * task, so its decisions are recorded here as they were, not judged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { resolveRelativeDates } from '../lib/calendar';
import { dumpBank } from '../memory/faults/bankSnapshot';
import type { MemoryBank } from '../memory/memoryBank';
import answerFixtures from './fixtures/answer.json';
import factFixtures from './fixtures/fact-extraction.json';
import type { AnswerFixtureFile, FactFixtureFile, MemoryUpdateFixtureFile } from './fixtures/fixtureTypes';
import updateFixtures from './fixtures/memory-update.json';
import { createMemoryManager, MEMORY_MANAGER_PROMPT_VERSION } from './memoryManager';
import { memoryOpsFromEntries, textsToEmbed } from './memoryOpsFromEntries';
import { parseAnswer } from './parseAnswer';
import { parseFacts } from './parseFacts';
import { parseMemoryUpdate } from './parseMemoryUpdate';
import { PROMPT_VERSION as ANSWER_VERSION } from './prompts/answerPrompt';
import { PROMPT_VERSION as FACT_VERSION } from './prompts/factExtractionPrompt';
import { PROMPT_VERSION as UPDATE_VERSION } from './prompts/memoryUpdatePrompt';
import { createShortIdMap, inShortIds, remapMemoryUpdate } from './remapMemoryIds';
import { openAgentTestBank, seedMemories } from './testing/agentTestBank';
import { createScriptedLlmClient } from './testing/scriptedLlmClient';

const facts = factFixtures as FactFixtureFile;
const updates = updateFixtures as MemoryUpdateFixtureFile;
const answers = answerFixtures as AnswerFixtureFile;

let bank: MemoryBank;
beforeEach(async () => {
  bank = await openAgentTestBank();
});
afterEach(() => {
  bank.close();
  bank.db.close();
});

describe('recorded replies', () => {
  it('were recorded with the current prompts, by the real test model, and say where their text comes from', () => {
    expect(facts.promptVersion).toBe(FACT_VERSION);
    expect(updates.promptVersion).toBe(UPDATE_VERSION);
    expect(answers.promptVersion).toBe(ANSWER_VERSION);
    for (const file of [facts, updates, answers]) {
      expect(file.model).toBe('SmolLM2-135M-Instruct-Q4_1');
      // answer.json is re-recorded with the next answer-prompt version; until then it names LoCoMo's dev file.
      expect(file.source).toMatch(/app\/eval\/fixtures\/locomo-fixture\.json|LoCoMo.*CC BY-NC 4\.0/);
      expect(file.cases.length).toBeGreaterThanOrEqual(3);
      for (const c of file.cases) expect(c.usage.promptTokens).toBeGreaterThan(0);
    }
  });
});

describe('fact extraction on real replies', () => {
  it.each(facts.cases)('$name: parses, and the manager stores the facts', async (c) => {
    // The turn the model saw is what resolveRelativeDates makes of it today.
    expect(resolveRelativeDates(c.turn.text, c.turn.sessionTime).text).toBe(c.resolvedText);
    expect(c.finishReason).toBe('stop');
    const parsed = parseFacts(c.rawOutput);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.length).toBeLessThanOrEqual(4);

    const llm = createScriptedLlmClient([c.rawOutput], 'SmolLM2-135M-Instruct-Q4_1');
    const manager = createMemoryManager({ llm, embedder: createHashingEmbedder(), bank });
    const result = await manager.processTurn({ ...c.turn, namespace: `user:${c.turn.speaker.toLowerCase()}` });
    // An empty bank: every fact is an ADD, no second call.
    expect(result.status).toBe(parsed.value.length > 0 ? 'applied' : 'skipped');
    const stored = await bank.db.memories.toArray();
    expect(stored.map((m) => m.text).sort()).toEqual([...result.facts].sort());
    for (const row of await bank.db.memoryHistory.toArray()) {
      expect(row).toMatchObject({ op: 'ADD', model: 'SmolLM2-135M-Instruct-Q4_1', promptVersion: MEMORY_MANAGER_PROMPT_VERSION, turnId: c.turn.turnId });
    }
  });

  it('resolved the relative dates before the model saw them', () => {
    const byTurn = new Map(facts.cases.map((c) => [c.turn.turnId, c.resolvedText]));
    expect(byTurn.get('D1:3')).toContain('on 7 May 2023');
    expect(byTurn.get('D2:1')).toContain('on 20 May 2023');
    expect(byTurn.get('D2:7')).toContain('in June 2023');
  });
});

describe('memory updates on real replies', () => {
  it.each(updates.cases)('$name: parses under the schema; the bank applies it or refuses it whole', async (c) => {
    expect(c.finishReason).toBe('stop');
    const parsed = parseMemoryUpdate(c.rawOutput, { maxEntries: c.facts.length });
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;

    // The manager's path from here: ids back to the bank's, embeddings, one validated batch.
    const ids = await seedMemories(
      bank,
      'user:test',
      c.memories.map((text) => ({ text, embedding: hashingEmbedding(text) })),
    );
    const map = createShortIdMap(ids);
    const before = await dumpBank(bank.db);
    const remapped = remapMemoryUpdate(parsed.value, map);
    if (!remapped.ok) {
      expect(remapped.errors.every((e) => /^entry \d+ \((UPDATE|DELETE|NOOP)\): id ".*" is not one of the memories shown/.test(e))).toBe(true);
      return;
    }
    const candidates = new Map((await bank.db.memories.bulkGet(ids)).map((m) => [m!.id, m!]));
    const embeddings = new Map(textsToEmbed(remapped.value).map((t) => [t, hashingEmbedding(t)]));
    const result = await bank.apply({
      namespace: 'user:test',
      ops: memoryOpsFromEntries(remapped.value, { sessionDate: '2023-05-25', candidates, embeddings }),
      candidateIds: ids,
      turnId: 'fixture',
      proposer: { model: updates.model, promptVersion: MEMORY_MANAGER_PROMPT_VERSION },
    });
    if (result.ok) {
      expect(result.history).toHaveLength(parsed.value.length);
      for (const row of result.history) if (row.op !== 'ADD') expect(ids).toContain(row.memoryId);
    } else {
      expect(await dumpBank(bank.db)).toBe(before);
      for (const e of result.errors) expect(inShortIds(e.reason, map)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
  });

  it('records what the 135M model actually decided (format followed, task not)', () => {
    const decided = updates.cases.map((c) => {
      const parsed = parseMemoryUpdate(c.rawOutput);
      return parsed.ok ? parsed.value.map((e) => e.event) : [];
    });
    // Every reply is a well-formed list of Memory-R1 events with one entry per fact at most.
    decided.forEach((events, i) => {
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThanOrEqual(updates.cases[i]!.facts.length);
    });
  });
});

describe('answers on real replies', () => {
  it.each(answers.cases)('$mode/$format "$question": an answer, cited ids among those shown', (c) => {
    const shownIds = c.memories.map((m) => m.id);
    const parsed = parseAnswer(c.rawOutput, shownIds);
    expect(parsed.answer.length).toBeGreaterThan(0);
    for (const id of parsed.ids) expect(shownIds).toContain(id);
    if (c.format === 'json') {
      expect(parsed).toMatchObject({ form: 'json', markerFound: true, unknownIds: [], problems: [] });
    } else {
      // Free text: the 135M model put a number that is no shown id before the marker.
      expect(parsed.form).toBe(parsed.markerFound ? 'marker' : 'fallback');
    }
  });
});
