/**
 * The Memory Manager's backlog outlives the page: turns queued and not yet remembered are stored as waiting, and
 * the next chat session on the same database remembers them, in order, exactly once. A "page" here is a session
 * on its own MemoryBank and MemoryDB connection over one fake-indexeddb database, with its own claims (a closed
 * tab's Web Locks are gone); scripted replies on one serial engine, as in chatSession.test.ts.
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestRetrievalIndex } from '../agent/testing/agentTestBank';
import { createHashingEmbedder } from '../embed/testing/hashingEmbedder';
import { MemoryDB } from '../memory/db';
import { exportBank } from '../memory/exportImport';
import { importBank } from '../memory/exportImportPlan';
import { MemoryBank } from '../memory/memoryBank';
import { installBrowserFileShims } from '../memory/testing/browserFileShims';
import { ChatSession } from './chatSession';
import { createStageScriptedClient, held, type StageReply } from './testing/stageScriptedClient';
import { inProcessTurnClaims, type TurnClaims } from './turnClaims';

const NS = 'user:me';
const facts = (...list: string[]) => JSON.stringify({ facts: list });
const answer = (text: string) => JSON.stringify({ memory_ids: [], answer: text });

const open: { session: ChatSession; bank: MemoryBank }[] = [];

afterEach(() => {
  for (const { session, bank } of open.splice(0)) {
    session.dispose();
    bank.close();
    bank.db.close();
  }
});

/** One page: its own connection to the database `name`, its own session. */
async function openPage(name: string, claims: TurnClaims = inProcessTurnClaims()) {
  const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
  const bank = await MemoryBank.open({ db, index: await createTestRetrievalIndex(), channelName: null, lexicalPersistDelayMs: null });
  const session = new ChatSession({ bank, today: () => '2026-03-05', claims });
  open.push({ session, bank });
  const loadModels = (script: Record<string, StageReply[]>) => {
    const llm = createStageScriptedClient(script);
    session.setModels({ llm, embedder: createHashingEmbedder() });
    return llm;
  };
  return { db, bank, session, loadModels };
}

/** The page is gone: its session stops without draining, its connection closes. */
function closePage(page: { session: ChatSession; bank: MemoryBank }) {
  const i = open.findIndex((p) => p.session === page.session);
  open.splice(i, 1);
  page.session.dispose();
  page.bank.close();
  page.bank.db.close();
}

const dbName = () => `backlog-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

async function waitingTurns(db: MemoryDB) {
  return (await db.turns.orderBy('memoryPendingSince').toArray()).map((t) => t.text);
}

describe('ChatSession: the backlog survives a reload', () => {
  it('remembers the turns an earlier page left waiting, in order, exactly once', async () => {
    const name = dbName();
    const first = await openPage(name);
    // The manager never gets through its first turn on this page: every facts call is held.
    const first1 = first.loadModels({
      answer: [answer('Noted.'), answer('Nice.'), answer('Ok.')],
      facts: [{ hold: held() }, { hold: held() }, { hold: held() }, { hold: held() }],
    });
    const chat = await first.session.createConversation(NS);
    for (const text of ['I like green tea.', 'I have a cat named Tom.', 'I live in Lyon.']) await first.session.send(chat.id, text);
    await vi.waitFor(() => expect(first1.log.filter((c) => c.stage === 'facts').length).toBeGreaterThan(0));
    expect(first.session.snapshot()).toMatchObject({ backlog: 3, earlier: 0 });
    expect(await waitingTurns(first.db)).toEqual(['I like green tea.', 'I have a cat named Tom.', 'I live in Lyon.']);
    closePage(first);

    const second = await openPage(name);
    await second.session.settled(); // without models: the waiting turns are queued, nothing runs
    expect(second.session.snapshot()).toMatchObject({ backlog: 3, earlier: 3, remembering: null });
    const llm = second.loadModels({ facts: [facts('The user likes green tea.'), facts(), facts()] });
    await second.session.settled();

    const userTurns = (await second.db.turns.where('conversationId').equals(chat.id).sortBy('at')).filter((t) => t.role === 'user');
    // Each facts prompt names its turn: the earliest first.
    expect(llm.log.map((c) => c.stage)).toEqual(['facts', 'facts', 'facts']);
    userTurns.forEach((turn, i) => expect(JSON.stringify(llm.log[i]!.messages)).toContain(turn.text));
    const events = await second.db.opEvents.orderBy('id').toArray();
    expect(events.map((e) => [e.type, userTurns.findIndex((t) => t.id === e.turnId)])).toEqual([
      ['facts', 0],
      ['applied', 0],
      ['facts', 1],
      ['skipped', 1],
      ['facts', 2],
      ['skipped', 2],
    ]);
    expect((await second.db.memories.toArray()).map((m) => m.text)).toEqual(['The user likes green tea.']);
    expect(await waitingTurns(second.db)).toEqual([]);
    expect(second.session.snapshot()).toMatchObject({ backlog: 0, earlier: 0 });

    // A third page finds nothing left to do.
    const third = await openPage(name);
    await third.session.settled();
    expect(third.session.snapshot()).toMatchObject({ backlog: 0, earlier: 0 });
  });

  it('does not apply a turn twice when the page died after the bank committed its batch', async () => {
    const name = dbName();
    const first = await openPage(name);
    const realApply = first.bank.apply.bind(first.bank);
    let committed!: () => void;
    const isCommitted = new Promise<void>((resolve) => (committed = resolve));
    // The batch commits, then the page dies before the session hears of it.
    first.bank.apply = async (batch) => {
      await realApply(batch);
      committed();
      return new Promise(() => {});
    };
    first.loadModels({ answer: [answer('Noted.')], facts: [facts('The user likes green tea.')] });
    const chat = await first.session.createConversation(NS);
    await first.session.send(chat.id, 'I like green tea.');
    await isCommitted;
    await vi.waitFor(async () => expect(await first.db.opEvents.count()).toBe(1)); // the facts event
    expect(await waitingTurns(first.db)).toEqual(['I like green tea.']);
    closePage(first);

    const second = await openPage(name);
    const llm = second.loadModels({}); // any model call would fail: the script is empty
    await second.session.settled();
    expect(llm.log).toEqual([]);
    expect(second.session.snapshot().problem).toBeNull();
    expect((await second.db.memories.toArray()).map((m) => m.text)).toEqual(['The user likes green tea.']);
    const turn = (await second.db.turns.toArray()).find((t) => t.role === 'user')!;
    expect(await second.db.memoryHistory.where('turnId').equals(turn.id).count()).toBe(1);
    // The op stream gets the applied batch, read back from the bank's history.
    const events = await second.db.opEvents.orderBy('id').toArray();
    expect(events.map((e) => e.type)).toEqual(['facts', 'applied']);
    expect(events[1]!.event).toMatchObject({ type: 'applied', turnId: turn.id, ops: [{ op: 'ADD', after: 'The user likes green tea.' }] });
    expect(await waitingTurns(second.db)).toEqual([]);
  });

  it('leaves a turn another open tab is remembering to that tab', async () => {
    const name = dbName();
    const claims = inProcessTurnClaims(); // one browser: both tabs' locks in one place
    const a = await openPage(name, claims);
    const call = held();
    a.loadModels({ answer: [answer('Noted.')], facts: [{ hold: call }] });
    const chat = await a.session.createConversation(NS);
    await a.session.send(chat.id, 'I like green tea.');
    await call.started;

    const b = await openPage(name, claims);
    const llmB = b.loadModels({ facts: [facts('The user likes green tea.')] });
    await b.session.settled();
    expect(llmB.log).toEqual([]);
    expect(b.session.snapshot()).toMatchObject({ backlog: 0, earlier: 0 });

    call.release(facts('The user likes green tea.'));
    await a.session.settled();
    expect(await a.db.memories.count()).toBe(1);
    expect(await waitingTurns(a.db)).toEqual([]);
  });

  it('an answer that starts while the manager is still taking its claim on a turn goes first', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const inner = inProcessTurnClaims();
    // A Web Lock is granted asynchronously; here the grant waits until the question's answer is on the engine.
    const slowClaims: TurnClaims = {
      claim: async (key) => {
        await gate;
        return inner.claim(key);
      },
    };
    const page = await openPage(dbName(), slowClaims);
    const questionCall = held();
    const llm = page.loadModels({ answer: [answer('Noted.'), { hold: questionCall }], facts: [facts('The user likes green tea.'), facts()] });
    const calls: { stage: string; whileAnswering: boolean }[] = [];
    const complete = llm.complete.bind(llm);
    llm.complete = (messages, options) => {
      calls.push({ stage: options?.cacheKey ?? 'default', whileAnswering: page.session.snapshot().answering !== null });
      return complete(messages, options);
    };
    const chat = await page.session.createConversation(NS);
    await page.session.send(chat.id, 'I like green tea.');
    const asking = page.session.send(chat.id, 'What tea do I like?');
    await questionCall.started;
    openGate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    questionCall.release(answer('Green tea.'));
    await asking;
    await page.session.settled();
    // No Memory Manager call was put on the engine while an answer was being written (it would have waited
    // behind the manager's whole call on a real engine, or pushed the answer behind it).
    expect(calls.filter((c) => c.stage === 'facts')).toEqual([
      { stage: 'facts', whileAnswering: false },
      { stage: 'facts', whileAnswering: false },
    ]);
    expect(await page.db.memories.count()).toBe(1);
  });

  it('forgets the waiting turns when remembering is stopped', async () => {
    const name = dbName();
    const first = await openPage(name);
    const call = held();
    first.loadModels({ answer: [answer('Noted.')], facts: [{ hold: call }] });
    const chat = await first.session.createConversation(NS);
    await first.session.send(chat.id, 'I like green tea.');
    await call.started;
    first.session.stopRemembering();
    await first.session.settled();
    await vi.waitFor(async () => expect(await waitingTurns(first.db)).toEqual([]));
    closePage(first);

    const second = await openPage(name);
    await second.session.settled();
    expect(second.session.snapshot()).toMatchObject({ backlog: 0, earlier: 0 });
  });

  it('carries a waiting turn through export and import: the importing bank remembers it', async () => {
    const source = await openPage(dbName());
    const call = held();
    source.loadModels({ answer: [answer('Noted.')], facts: [{ hold: call }] });
    const chat = await source.session.createConversation(NS);
    await source.session.send(chat.id, 'I like green tea.');
    await call.started;
    const name = dbName();
    const target = new MemoryDB(name, { indexedDB, IDBKeyRange });
    const uninstallShims = installBrowserFileShims(); // dexie-export-import is browser code
    try {
      await importBank(target, await exportBank(source.db));
    } finally {
      uninstallShims();
    }
    closePage(source);
    target.close();
    const page = await openPage(name);
    page.loadModels({ facts: [facts('The user likes green tea.')] });
    await page.session.settled();
    expect((await page.db.memories.toArray()).map((m) => m.text)).toEqual(['The user likes green tea.']);
    expect(await waitingTurns(page.db)).toEqual([]);
  });
});
