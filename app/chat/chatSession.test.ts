/**
 * The chat session's flow on a real bank (fake-indexeddb + the exact vector index) with scripted replies per
 * prompt family on one serial engine and a bag-of-words embedder: answers first, the backlog, engine loss,
 * stop, regenerate, conversations and the op stream. The real model runs in chatSession.integration.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAgentTestBank, seedMemories } from '../agent/testing/agentTestBank';
import { createHashingEmbedder, hashingEmbedding } from '../embed/testing/hashingEmbedder';
import { LLMError } from '../llm/types';
import type { MemoryBank } from '../memory/memoryBank';
import { MANUAL_PROPOSER } from '../memory/types';
import { ChatSession, type ChatTurnMetrics, DEFAULT_CONVERSATION_TITLE, titleFrom } from './chatSession';
import { storedEvent } from './opEvents';
import { createStageScriptedClient, held, type StageReply } from './testing/stageScriptedClient';

const NS = 'user:me';
let bank: MemoryBank;
let session: ChatSession;
let metrics: ChatTurnMetrics[];

beforeEach(async () => {
  bank = await openAgentTestBank();
  metrics = [];
  session = new ChatSession({ bank, today: () => '2026-03-05', onMetrics: (m) => metrics.push(m) });
});

afterEach(() => {
  session.dispose();
  bank.close();
  bank.db.close();
});

const facts = (...list: string[]) => JSON.stringify({ facts: list });
const answer = (text: string, ids: string[] = []) => JSON.stringify({ memory_ids: ids, answer: text });

function useModels(script: Record<string, StageReply[]>) {
  const llm = createStageScriptedClient(script);
  session.setModels({ llm, embedder: createHashingEmbedder() });
  return llm;
}

async function turnsOf(conversationId: string) {
  return bank.db.turns.where('conversationId').equals(conversationId).sortBy('at');
}

describe('ChatSession', () => {
  it('stores the question and the answer, names the chat after the first message, then remembers the turn into the op stream', async () => {
    const llm = useModels({ answer: [answer('Nice to meet you!')], facts: [facts('The user lives in Lyon.')] });
    const chat = await session.createConversation(NS);
    expect(chat.title).toBe(DEFAULT_CONVERSATION_TITLE);

    await session.send(chat.id, '  I live in Lyon.  ');
    await session.settled();

    const turns = await turnsOf(chat.id);
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['user', 'I live in Lyon.'],
      ['assistant', 'Nice to meet you!'],
    ]);
    expect(turns[0]!.sessionTime).toBe('2026-03-05');
    expect((await bank.db.conversations.get(chat.id))!.title).toBe('I live in Lyon.');
    expect((await bank.db.memories.toArray()).map((m) => m.text)).toEqual(['The user lives in Lyon.']);
    const events = await bank.db.opEvents.orderBy('id').toArray();
    expect(events.map((e) => e.type)).toEqual(['facts', 'applied']);
    expect(events[1]).toMatchObject({ turnId: turns[0]!.id, conversationId: chat.id, namespace: NS, model: 'scripted-test-model' });
    expect(events[1]!.promptVersion).toMatch(/\+/);
    expect(llm.log.map((c) => c.stage)).toEqual(['answer', 'facts']);
    expect(session.snapshot()).toMatchObject({ answering: null, backlog: 0, remembering: null, problem: null });
    expect(metrics.some((m) => m.turnId === turns[0]!.id && m.answerWallMs > 0)).toBe(true);
  });

  it('answers a question first: the manager call in flight is cut off, the answer runs, then the manager asks again', async () => {
    const managerCall = held();
    const llm = useModels({
      answer: [answer('Hello.'), answer('You live in Lyon.')],
      facts: [{ hold: managerCall }, facts('The user lives in Lyon.'), facts()],
    });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'I live in Lyon.');
    await managerCall.started; // the manager is now busy on the first turn
    expect(session.snapshot().remembering).toMatchObject({ text: 'I live in Lyon.' });

    await session.send(chat.id, 'Where do I live?');
    // The answer is stored while the first turn is not yet remembered.
    expect((await turnsOf(chat.id)).map((t) => t.text)).toEqual(['I live in Lyon.', 'Hello.', 'Where do I live?', 'You live in Lyon.']);
    await session.settled();

    expect(llm.log.map((c) => `${c.stage}:${c.outcome}`)).toEqual(['answer:ok', 'facts:aborted', 'answer:ok', 'facts:ok', 'facts:ok']);
    expect(metrics.find((m) => m.answerWallMs > 0 && m.preemptedManager)).toBeDefined();
    // Remembered once, in order, nothing applied twice.
    expect((await bank.db.memories.toArray()).map((m) => m.text)).toEqual(['The user lives in Lyon.']);
    const events = await bank.db.opEvents.orderBy('id').toArray();
    expect(events.map((e) => e.type)).toEqual(['facts', 'applied', 'facts', 'skipped']);
  });

  it('re-asks only the memory-update step when a question cuts it off (the facts are kept)', async () => {
    await seedMemories(bank, NS, [{ text: 'The user lives in Paris.', embedding: hashingEmbedding('The user lives in Paris.') }]);
    const updateCall = held();
    const update = JSON.stringify({ memory: [{ id: '0', text: 'The user lives in Lyon.', event: 'UPDATE' }] });
    const llm = useModels({
      answer: [answer('Noted.'), answer('Lyon.')],
      facts: [facts('The user lives in Lyon.')],
      'memory-update': [{ hold: updateCall }, update],
    });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'I moved to Lyon.');
    await updateCall.started;
    await session.send(chat.id, 'Where do I live?');
    await session.settled();

    expect(llm.log.map((c) => `${c.stage}:${c.outcome}`)).toEqual(['answer:ok', 'facts:ok', 'memory-update:aborted', 'answer:ok', 'memory-update:ok']);
    expect((await bank.db.memories.toArray()).map((m) => m.text)).toEqual(['The user lives in Lyon.']);
    expect((await bank.db.opEvents.orderBy('id').toArray()).map((e) => e.type)).toEqual(['facts', 'applied']);
  });

  it('hands the latency budget setting to the Answer Agent: fewer memories listed on a slow engine, all of them when off', async () => {
    const texts = Array.from({ length: 30 }, (_, i) => `The user visited city number ${i} during a long trip across the country.`);
    await seedMemories(
      bank,
      NS,
      texts.map((text) => ({ text, embedding: hashingEmbedding(text) })),
    );
    let budget = 1;
    session.dispose();
    session = new ChatSession({ bank, today: () => '2026-03-05', latencyBudgetS: () => budget });
    // An engine that reads 20 prompt tokens a second: one second lists only the fewest the agent allows.
    const llm = {
      ...createStageScriptedClient({ answer: [answer('Many cities.'), answer('Still many.')], facts: [facts(), facts()] }),
      prefillTokensPerSecond: () => 20,
    };
    session.setModels({ llm, embedder: createHashingEmbedder() });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'Which cities did I visit?');
    budget = 0;
    await session.send(chat.id, 'Which cities did I visit on my trip?');
    await session.settled();
    const [withBudget, off] = (await turnsOf(chat.id)).filter((t) => t.role === 'assistant');
    expect(withBudget!.considered!.listed).toBeLessThan(30);
    expect(withBudget!.considered!.why).toMatch(/the 1 s latency budget at ~20 tok\/s prefill/);
    expect(off!.considered!.listed).toBe(30);
    expect(off!.considered!.why).not.toMatch(/latency budget/);
  });

  it('keeps each source as the Answer Agent saw it, even after the memory is updated', async () => {
    const [id] = await seedMemories(bank, NS, [{ text: 'The user lives in Paris.', embedding: hashingEmbedding('The user lives in Paris.') }]);
    useModels({ answer: [answer('In Paris.', ['0'])], facts: [facts()] });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'Where do I live?');
    await session.settled();
    await bank.apply({
      namespace: NS,
      ops: [{ op: 'UPDATE', id: id!, text: 'The user lives in Lyon.', embedding: hashingEmbedding('The user lives in Lyon.') }],
      candidateIds: [id!],
      turnId: null,
      proposer: MANUAL_PROPOSER,
    });

    const reply = (await turnsOf(chat.id))[1]!;
    expect(reply.usedMemoryIds).toEqual([id]);
    expect(reply.sources).toEqual([{ memoryId: id, text: 'The user lives in Paris.', updatedAt: expect.any(Number) }]);
    expect((await bank.db.memories.get(id!))!.text).toBe('The user lives in Lyon.');
  });

  it('rolls the turn back when the engine is lost mid-answer and offers the message again', async () => {
    const lost = new LLMError('The engine stopped during this reply.', 'node-llama-cpp', 'engine-lost');
    useModels({ answer: [{ fail: lost }, answer('Hi again.')], facts: [facts()] });
    const chat = await session.createConversation(NS);

    await session.send(chat.id, 'Hello there');
    expect(await turnsOf(chat.id)).toEqual([]);
    expect(session.snapshot().problem).toMatchObject({ conversationId: chat.id, retryText: 'Hello there', message: lost.message });
    expect(session.snapshot().backlog).toBe(0); // nothing of the lost turn is remembered

    await session.retry(chat.id);
    await session.settled();
    expect((await turnsOf(chat.id)).map((t) => t.text)).toEqual(['Hello there', 'Hi again.']);
    expect(session.snapshot().problem).toBeNull();
  });

  it('retries a turn once on the restarted engine when the engine is lost while remembering', async () => {
    const lost = new LLMError('lost', 'node-llama-cpp', 'engine-lost');
    useModels({ answer: [answer('Ok.')], facts: [{ fail: lost }, facts('The user likes tea.')] });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'I like tea.');
    await session.settled();
    expect((await bank.db.memories.toArray()).map((m) => m.text)).toEqual(['The user likes tea.']);
  });

  it('stops an answer: what had arrived is kept, marked as stopped, and the turn is still remembered', async () => {
    const answerCall = held();
    useModels({ answer: [{ hold: answerCall, prefix: '{"memory_ids":[],"answer":"Let me th' }], facts: [facts()] });
    const chat = await session.createConversation(NS);
    const sent = session.send(chat.id, 'Tell me a story');
    await answerCall.started;
    expect(session.snapshot().answering).toMatchObject({ conversationId: chat.id, text: 'Let me th' });
    session.stopAnswer();
    await sent;
    await session.settled();
    const reply = (await turnsOf(chat.id))[1]!;
    expect(reply).toMatchObject({ role: 'assistant', text: 'Let me th', stopped: true });
    expect((await bank.db.opEvents.orderBy('id').toArray()).map((e) => e.type)).toEqual(['facts', 'skipped']);
  });

  it('stops remembering: the call in flight is cut off, waiting turns are dropped, and the stream says so', async () => {
    const managerCall = held();
    const llm = useModels({ answer: [answer('A.'), answer('B.')], facts: [{ hold: managerCall }] });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'first');
    await managerCall.started;
    session.stopRemembering();
    await session.settled();
    expect(session.snapshot()).toMatchObject({ backlog: 0, remembering: null });
    expect(llm.log.map((c) => `${c.stage}:${c.outcome}`)).toEqual(['answer:ok', 'facts:aborted']);
    expect((await bank.db.opEvents.toArray()).map((e) => e.type)).toEqual(['stopped']);
    expect(await bank.db.memories.count()).toBe(0);
  });

  it('regenerates an answer in place: same position, new text, the turn is not remembered twice', async () => {
    const llm = useModels({ answer: [answer('First try.'), answer('Second try.')], facts: [facts()] });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'Say something');
    await session.settled();
    const [, first] = await turnsOf(chat.id);

    await session.regenerate(first!.id);
    await session.settled();
    const turns = await turnsOf(chat.id);
    expect(turns.map((t) => t.text)).toEqual(['Say something', 'Second try.']);
    expect(turns[1]!.id).toBe(first!.id);
    expect(llm.log.map((c) => c.stage)).toEqual(['answer', 'facts', 'answer']);
  });

  it('stores a rejected batch with its reasons in the op stream', async () => {
    useModels({ answer: [answer('Ok.')], facts: ['not json', '{"facts": 3}'] });
    const chat = await session.createConversation(NS);
    await session.send(chat.id, 'I have a cat.');
    await session.settled();
    const events = await bank.db.opEvents.orderBy('id').toArray();
    expect(events.map((e) => e.type)).toEqual(['attempt-rejected', 'attempt-rejected', 'rejected']);
    const rejected = storedEvent(events[2]!);
    if (rejected?.type !== 'rejected') throw new Error('expected a rejected batch');
    expect(rejected.stage).toBe('facts');
    expect(rejected.errors.length).toBeGreaterThan(0);
    expect(rejected.errors[0]).toMatch(/^attempt 1: /);
  });

  it('lists, renames and deletes conversations; a deleted chat takes its turns but not the memories', async () => {
    useModels({ answer: [answer('Ok.')], facts: [facts('The user has a cat.')] });
    const a = await session.createConversation(NS);
    await session.send(a.id, 'I have a cat.');
    await session.settled();
    const b = await session.createConversation(NS);
    expect((await session.latestConversation(NS)).id).toBe(b.id);

    await session.renameConversation(a.id, '  Pets ');
    expect((await bank.db.conversations.get(a.id))!.title).toBe('Pets');
    await expect(session.renameConversation(a.id, '   ')).rejects.toThrow(/title/);

    await session.deleteConversation(a.id);
    expect(await bank.db.conversations.get(a.id)).toBeUndefined();
    expect(await turnsOf(a.id)).toEqual([]);
    expect(await bank.db.memories.count()).toBe(1);
    await expect(session.send(a.id, 'hello?')).rejects.toThrow(/no longer exists/);
  });

  it('refuses to send without models, keeping nothing', async () => {
    const chat = await session.createConversation(NS);
    await expect(session.send(chat.id, 'hello')).rejects.toThrow(/load a chat model/);
    expect(await turnsOf(chat.id)).toEqual([]);
  });

  it('remembers replayed turns through the same backlog, resolving with the result', async () => {
    useModels({ facts: [facts('Caroline went to a support group on 7 May 2023.')] });
    const turn = {
      id: 'conv-26:D1:3',
      namespace: 'locomo:conv-26',
      conversationId: 'locomo:conv-26',
      speaker: 'Caroline',
      role: 'dialogue' as const,
      text: 'I went to a support group yesterday.',
      at: 1,
      sessionTime: '2023-05-08',
    };
    await bank.db.turns.put(turn);
    const result = await session.remember(turn);
    expect(result?.status).toBe('applied');
    await session.settled();
    expect((await bank.db.opEvents.orderBy('id').toArray()).map((e) => [e.type, e.conversationId])).toEqual([
      ['facts', 'locomo:conv-26'],
      ['applied', 'locomo:conv-26'],
    ]);
  });
});

describe('titleFrom', () => {
  it('takes the first line, cut at a word', () => {
    expect(titleFrom('Hello\nsecond line')).toBe('Hello');
    expect(titleFrom('I would like to tell you about my trip to the mountains last summer')).toBe('I would like to tell you about my trip to the…');
    expect(titleFrom('   ')).toBe(DEFAULT_CONVERSATION_TITLE);
  });
});
