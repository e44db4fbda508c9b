import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DB_NAME, type MemoryDB, USER_DATA_TABLES } from './db';
import { BankImportError, exportBank } from './exportImport';
import { applyImport, describeImport, type ImportSummary, importBank, planImport } from './exportImportPlan';
import { dumpBank } from './faults/bankSnapshot';
import { LEXICAL_INDEX_SETTING_KEY } from './memoryBank';
import { openTestBank, randomVector } from './testing/bankFixtures';
import { installBrowserFileShims } from './testing/browserFileShims';
import type { HistoryRecord, MemoryRecord, TurnRecord } from './types';

const ALICE = 'user:alice';
const BOB = 'user:bob';
const ASSISTANT = 'agent:assistant';
const DAY = 86_400_000;
const T0 = Date.UTC(2023, 4, 8);

let uninstallShims: () => void;
const banks: MemoryDB[] = [];

beforeAll(() => {
  uninstallShims = installBrowserFileShims();
});
afterAll(() => uninstallShims());
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(banks.splice(0).map((db) => db.delete()));
});

function bank(): MemoryDB {
  const db = openTestBank();
  banks.push(db);
  return db;
}

let seed = 1;

function memory(id: string, namespace: string, text: string, extra: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    id,
    namespace,
    text,
    embedding: randomVector(seed++),
    createdAt: T0 + seed * DAY,
    updatedAt: T0 + seed * DAY + 1,
    sourceTurnIds: [`${id}:turn`],
    eventTime: seed % 2 ? '2023-05-08' : null,
    ...extra,
  };
}

function history(id: string, namespace: string, op: HistoryRecord['op'], memoryId: string | null, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  return {
    id,
    batchId: `batch-${namespace}`,
    seq: 0,
    op,
    memoryId,
    namespace,
    before: op === 'ADD' ? null : 'before',
    after: op === 'DELETE' ? null : 'after',
    turnId: 'D1:3',
    at: T0 + DAY,
    model: 'SmolLM2-135M-Instruct-Q4_1',
    promptVersion: 'manager-v1',
    ...extra,
  };
}

function turn(id: string, namespace: string, text: string): TurnRecord {
  return { id, namespace, conversationId: 'conv-26', speaker: 'Caroline', role: 'dialogue', text, at: T0 + DAY, sessionTime: '2023-05-08' };
}

/** The ADD that created a memory, as applyMemoryOps writes it: its history replays to its text. */
function added(m: MemoryRecord, id = `h-${m.id}`): HistoryRecord {
  return history(id, m.namespace, 'ADD', m.id, { before: null, after: m.text, at: m.createdAt, batchId: `batch-${m.id}` });
}

/** Three namespaces of memories with history and turns, chats, events, an evaluation run and settings. */
async function seedBank(db: MemoryDB): Promise<void> {
  const tricky = randomVector(999);
  // Bit patterns JSON numbers would not keep: negative zero and the smallest subnormal float32.
  tricky[0] = -0;
  tricky[1] = 1.401298464324817e-45;
  const memories = [
    memory('m-a1', ALICE, 'Alice adopted a dog named Buddy', { embedding: tricky }),
    memory('m-a2', ALICE, 'Alice works as a counselor'),
    memory('m-a3', ALICE, 'Alice ran a charity race last Saturday', { eventTime: '2023-05-06' }),
    memory('m-b1', BOB, 'Bob plays the violin'),
    memory('m-b2', BOB, 'Bob moved to Lisbon', { sourceTurnIds: [] }),
    memory('m-s1', ASSISTANT, 'The assistant answers in English'),
  ];
  await db.memories.bulkPut(memories);
  await db.memoryHistory.bulkPut([
    ...memories.map((m) => added(m)),
    history('h-a3', ALICE, 'NOOP', null, { seq: 1, before: null, after: null }),
    history('h-a0', ALICE, 'ADD', 'm-a0', { before: null, after: 'Alice had a cat', at: T0 }),
    history('h-a4', ALICE, 'DELETE', 'm-a0', { before: 'Alice had a cat', after: null, turnId: null, at: T0 + DAY }),
  ]);
  await db.turns.bulkPut([
    turn('t-a1', ALICE, 'I adopted Buddy yesterday'),
    turn('t-a2', ALICE, 'I work as a counselor'),
    turn('t-b1', BOB, 'I play the violin'),
    turn('t-s1', ASSISTANT, 'Noted.'),
  ]);
  await db.conversations.put({ id: 'chat-a', namespace: ALICE, title: 'Dogs', createdAt: T0, updatedAt: T0 + DAY });
  await db.opEvents.put({
    id: 'e-1',
    namespace: ALICE,
    conversationId: 'chat-a',
    turnId: 't-a1',
    at: T0,
    model: 'm',
    promptVersion: 'p',
    type: 'facts',
    event: { type: 'facts', turnId: 't-a1', facts: ['Alice adopted Buddy'] },
  });
  await db.evalRuns.put({ id: 'run-1', startedAt: T0, finishedAt: T0 + 1, status: 'done', config: { split: 'conv-26' }, summaries: [], results: [] });
  await db.settings.bulkPut([
    { key: 'replay.position:conv-26', value: 12 },
    // Not portable: never exported, never imported.
    { key: 'ui.theme', value: 'dark' },
  ]);
}

async function seededBank(): Promise<MemoryDB> {
  const db = bank();
  await seedBank(db);
  return db;
}

/** The rows of some namespaces, for comparing with what an import wrote. */
async function namespaceRows(db: MemoryDB, namespaces: string[]) {
  return {
    memories: await db.memories.where('namespace').anyOf(namespaces).sortBy('id'),
    memoryHistory: await db.memoryHistory.where('namespace').anyOf(namespaces).sortBy('id'),
    turns: await db.turns.where('namespace').anyOf(namespaces).sortBy('id'),
    conversations: await db.conversations.where('namespace').anyOf(namespaces).sortBy('id'),
    opEvents: await db.opEvents.where('namespace').anyOf(namespaces).sortBy('id'),
  };
}

async function stagingDatabases(): Promise<string[]> {
  return (await indexedDB.databases()).flatMap((d) => (d.name?.includes('import-staging') ? [d.name] : []));
}

interface ExportJson {
  formatName: string;
  data: {
    databaseName: string;
    databaseVersion: number;
    tables: { name: string; schema: string; rowCount: number }[];
    data: { tableName: string; inbound: boolean; rows: Record<string, unknown>[] }[];
  };
}

async function exportJson(db: MemoryDB, namespaces?: string[]): Promise<ExportJson> {
  return JSON.parse(await (await exportBank(db, namespaces ? { namespaces } : {})).text());
}

function jsonBlob(value: unknown): Blob {
  return new Blob([JSON.stringify(value)], { type: 'application/json' });
}

async function expectRejected(promise: Promise<unknown>): Promise<BankImportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BankImportError);
  return error as BankImportError;
}

const ZERO_TABLES = { memoryHistory: 0, turns: 0, conversations: 0, opEvents: 0, settings: 0, evalRuns: 0 };

describe('exportBank → importBank', () => {
  it('round-trips a whole bank into an empty one: every portable row equal, embeddings Float32Array and byte-identical', async () => {
    const source = await seededBank();
    const file = await exportBank(source);
    const target = bank();

    const summary = await importBank(target, file);

    await source.settings.delete('ui.theme');
    expect(await dumpBank(target)).toBe(await dumpBank(source));
    for (const table of USER_DATA_TABLES) expect(await target.table(table).toArray(), table).toEqual(await source.table(table).toArray());
    const [copied, original] = [await target.memories.toArray(), await source.memories.toArray()];
    for (const [i, m] of copied.entries()) {
      expect(m.embedding).toBeInstanceOf(Float32Array);
      expect(m.embedding.length).toBe(384);
      expect(new Uint8Array(m.embedding.buffer, m.embedding.byteOffset, m.embedding.byteLength)).toEqual(
        new Uint8Array(original[i]!.embedding.buffer, original[i]!.embedding.byteOffset, original[i]!.embedding.byteLength),
      );
    }
    expect(Object.is((await target.memories.get('m-a1'))!.embedding[0], -0)).toBe(true);
    expect(summary).toEqual<ImportSummary>({
      memories: { added: 6, replaced: 0, restored: 0, keptBank: 0, identical: 0, refused: 0, notRestored: 0 },
      added: { memoryHistory: 9, turns: 4, conversations: 1, opEvents: 1, settings: 1, evalRuns: 1 },
      keptBank: ZERO_TABLES,
      refusedOtherNamespace: 0,
      skippedSettings: [],
      namespaces: [ASSISTANT, ALICE, BOB],
    });
    expect(await stagingDatabases()).toEqual([]);
  });

  it('writes a Dexie export of every user-data table: the documented JSON format, embeddings as typeson-encoded base64', async () => {
    const file = await exportBank(await seededBank());
    expect(file.type).toBe('application/json');
    const json = JSON.parse(await file.text()) as ExportJson;
    expect(json.formatName).toBe('dexie');
    expect(json.data.tables.map((t) => t.name).sort()).toEqual([...USER_DATA_TABLES].sort());
    const row = json.data.data.find((t) => t.tableName === 'memories')!.rows[0]!;
    expect(row.$types).toMatchObject({ embedding: 'float32array2', 'embedding.buffer': 'arraybuffer' });
    expect(row.embedding).toMatchObject({ byteOffset: 0, length: 384, buffer: expect.any(String) });
    // Only portable settings leave the device.
    expect(json.data.data.find((t) => t.tableName === 'settings')!.rows.map((r) => r.key)).toEqual(['replay.position:conv-26']);
  });

  it('exports an embedding that is a view into a larger buffer as just its own bytes', async () => {
    const source = bank();
    const batch = new Float32Array(3 * 384);
    batch.set(randomVector(7), 384);
    await source.memories.put(memory('m-view', ALICE, 'A slice of a batch', { embedding: batch.subarray(384, 768) }));

    const json = await exportJson(source);
    const encoded = json.data.data.find((t) => t.tableName === 'memories')!.rows[0]!.embedding as { buffer: string; byteOffset: number };
    expect(encoded.byteOffset).toBe(0);
    expect(Buffer.from(encoded.buffer, 'base64').byteLength).toBe(384 * 4);

    const target = bank();
    await importBank(target, await exportBank(source));
    const copied = (await target.memories.get('m-view'))!.embedding;
    expect(copied).toEqual(randomVector(7));
  });

  it('a namespace export holds only that namespace, and no settings or evaluation runs', async () => {
    const source = await seededBank();
    const json = await exportJson(source, [ALICE]);
    expect(json.data.tables.map((t) => t.name).sort()).toEqual(['conversations', 'memories', 'memoryHistory', 'opEvents', 'turns']);
    const rows = json.data.data.flatMap((t) => t.rows);
    expect(rows.length).toBe(3 + 6 + 2 + 1 + 1);
    expect(new Set(rows.map((r) => r.namespace))).toEqual(new Set([ALICE]));

    const target = bank();
    const summary = await importBank(target, await exportBank(source, { namespaces: [ALICE] }));
    expect(await namespaceRows(target, [ALICE, BOB, ASSISTANT])).toEqual(await namespaceRows(source, [ALICE]));
    expect(await target.settings.count()).toBe(0);
    expect(summary.namespaces).toEqual([ALICE]);
    expect(summary.memories.added).toBe(3);
    expect(summary.added).toEqual({ ...ZERO_TABLES, memoryHistory: 6, turns: 2, conversations: 1, opEvents: 1 });
  });

  it('exports several namespaces, and refuses an empty list rather than guessing what was meant', async () => {
    const source = await seededBank();
    const target = bank();
    const summary = await importBank(target, await exportBank(source, { namespaces: [ALICE, BOB] }));
    expect(summary.namespaces).toEqual([ALICE, BOB]);
    expect(await namespaceRows(target, [ALICE, BOB, ASSISTANT])).toEqual(await namespaceRows(source, [ALICE, BOB]));
    await expect(exportBank(source, { namespaces: [] })).rejects.toThrow(/no namespaces given/);
  });
});

describe('import is a reviewed merge: nothing overwritten silently, nothing resurrected, no id moves namespace', () => {
  /** The user's bank after the export: m-a1 UPDATEd, m-a2 DELETEd, both recorded in history as the app does. */
  async function bankThatMovedOn(db: MemoryDB): Promise<void> {
    const later = T0 + 99 * DAY;
    await db.memories.update('m-a1', { text: 'My dog Buddy died in June', updatedAt: later });
    await db.memoryHistory.put(
      history('h-upd', ALICE, 'UPDATE', 'm-a1', { before: 'Alice adopted a dog named Buddy', after: 'My dog Buddy died in June', at: later }),
    );
    await db.memories.delete('m-a2');
    await db.memoryHistory.put(history('h-del', ALICE, 'DELETE', 'm-a2', { before: 'Alice works as a counselor', after: null, at: later }));
  }

  it('re-importing an old export keeps the newer UPDATE and does not bring a DELETEd memory back', async () => {
    const db = await seededBank();
    const oldExport = await exportBank(db);
    await bankThatMovedOn(db);

    const plan = await planImport(db, oldExport);
    const verdicts = Object.fromEntries(plan.memories.map((m) => [m.id, m.verdict]));
    expect(verdicts).toMatchObject({ 'm-a1': 'bank-newer', 'm-a2': 'deleted-here', 'm-a3': 'identical' });
    const summary = await applyImport(db, plan);

    expect((await db.memories.get('m-a1'))!.text).toBe('My dog Buddy died in June');
    expect(await db.memories.get('m-a2')).toBeUndefined();
    expect(summary.memories).toMatchObject({ keptBank: 1, notRestored: 1, replaced: 0, restored: 0 });
    expect(describeImport(summary)).toMatch(/kept 1 of yours that differ from the file, left 1 deleted here deleted/);
    // Each memory's history still ends in what the memory says.
    const a1 = (await db.memoryHistory.where('memoryId').equals('m-a1').sortBy('at')).at(-1)!;
    expect(a1.after).toBe('My dog Buddy died in June');
  });

  it('the file wins only where the user chose it: a newer file version, a deleted memory restored on request', async () => {
    const db = await seededBank();
    const oldExport = await exportBank(db);
    await bankThatMovedOn(db);
    const plan = await planImport(db, oldExport);
    const summary = await applyImport(db, plan, { take: ['m-a1', 'm-a2'] });
    expect(summary.memories).toMatchObject({ replaced: 1, restored: 1 });
    expect((await db.memories.get('m-a1'))!.text).toBe('Alice adopted a dog named Buddy');
    expect((await db.memories.get('m-a2'))!.text).toBe('Alice works as a counselor');
  });

  it('a newer version in the file replaces the older one by default, with its history', async () => {
    const source = await seededBank();
    const target = bank();
    await importBank(target, await exportBank(source));
    await bankThatMovedOn(source);
    const summary = await importBank(target, await exportBank(source));
    expect(summary.memories).toMatchObject({ replaced: 1, notRestored: 0 });
    expect((await target.memories.get('m-a1'))!.text).toBe('My dog Buddy died in June');
    expect(await target.memoryHistory.get('h-upd')).toBeDefined();
    // The file's DELETE of m-a2 is not applied to a bank that still has it (an import never deletes).
    expect(await target.memories.get('m-a2')).toBeDefined();
    expect(await target.memoryHistory.get('h-del')).toBeUndefined();
  });

  it('a row whose id the bank has in another namespace is refused, in memories, history and turns alike', async () => {
    const db = await seededBank();
    const before = await namespaceRows(db, [ALICE, BOB, ASSISTANT]);
    const evil = 'user:evil';
    const source = bank();
    const m = memory('m-a1', evil, 'I like tea');
    await source.memories.put(m);
    await source.memoryHistory.put(added(m, 'h-m-a2'));
    await source.turns.put(turn('t-a1', evil, 'hijacked'));

    const summary = await importBank(db, await exportBank(source));

    expect(await namespaceRows(db, [ALICE, BOB, ASSISTANT])).toEqual(before);
    expect(await db.memories.where('namespace').equals(evil).count()).toBe(0);
    expect(summary.memories.refused).toBe(1);
    expect(summary.refusedOtherNamespace).toBe(3);
  });

  it('a memory whose history does not replay to its text refuses the whole file', async () => {
    const source = await seededBank();
    await source.memories.update('m-b1', { text: 'Bob plays the drums' });
    const target = bank();
    const error = await expectRejected(importBank(target, await exportBank(source)));
    expect(error.message).toMatch(
      /memories and their history disagree.*replays memory 'm-b1' to "Bob plays the violin", but the memory says "Bob plays the drums"/,
    );
    expect(await target.memories.count()).toBe(0);
  });

  it('a history that ends in DELETE next to a memory row refuses the file', async () => {
    const source = await seededBank();
    await source.memories.put(memory('m-a0', ALICE, 'Alice had a cat'));
    const error = await expectRejected(importBank(bank(), await exportBank(source)));
    expect(error.message).toMatch(/ends memory 'm-a0' with a DELETE, but the file still has the memory/);
  });

  it('when the bank changes between the review and the import, nothing is written', async () => {
    const db = await seededBank();
    const oldExport = await exportBank(db);
    await db.memories.update('m-b1', { text: 'Bob plays the violin well', updatedAt: T0 - DAY });
    const plan = await planImport(db, oldExport);
    expect(plan.memories.find((m) => m.id === 'm-b1')!.verdict).toBe('file-newer');
    await db.memories.update('m-b1', { updatedAt: T0 + 999 * DAY });
    const before = await dumpBank(db);
    const error = await expectRejected(applyImport(db, plan));
    expect(error.message).toMatch(/the bank changed since this import was reviewed \(memory 'm-b1' is now bank-newer\)/);
    expect(await dumpBank(db)).toBe(before);
  });
});

describe('settings and field bounds in a file', () => {
  it('device-only settings and the saved lexical index in a file are never imported', async () => {
    const source = await seededBank();
    const json = await exportJson(source);
    json.data.data
      .find((t) => t.tableName === 'settings')!
      .rows.push(
        { key: 'storage.persistRequested', value: { at: 1, outcome: 'granted' } },
        { key: LEXICAL_INDEX_SETTING_KEY, value: { memoryCount: 1, lastHistoryId: null, savedAt: 1, index: { forged: true } } },
      );
    json.data.tables.find((t) => t.name === 'settings')!.rowCount += 2;
    const target = bank();
    const summary = await importBank(target, jsonBlob(json));
    expect(await target.settings.get('storage.persistRequested')).toBeUndefined();
    expect(await target.settings.get(LEXICAL_INDEX_SETTING_KEY)).toBeUndefined();
    expect(summary.skippedSettings).toEqual(['storage.persistRequested', LEXICAL_INDEX_SETTING_KEY]);
    expect(describeImport(summary)).toMatch(/Skipped 2 settings that an import never reads/);
  });

  it('a portable setting with a value of the wrong kind refuses the file', async () => {
    const source = await seededBank();
    await source.settings.put({ key: 'replay.position:conv-30', value: 'all of them' });
    const error = await expectRejected(importBank(bank(), await exportBank(source)));
    expect(error.message).toMatch(/settings\[\d+\] \(id 'replay.position:conv-30'\): value is not a replay position/);
  });

  const bounds: [string, (db: MemoryDB) => Promise<unknown>, RegExp][] = [
    [
      'an eventTime that is not an ISO time',
      (db) => db.memories.update('m-a3', { eventTime: 'last Saturday' }),
      /\(id 'm-a3'\): eventTime must be an ISO date/,
    ],
    ['a createdAt of 1e300', (db) => db.memories.update('m-a3', { createdAt: 1e300 }), /\(id 'm-a3'\): createdAt is past the last date a Date can hold/],
    ['a 10 MB turn', (db) => db.turns.update('t-b1', { text: 'x'.repeat(10_000_000) }), /\(id 't-b1'\): text is longer than 32000 characters/],
    ['a 1 MB id', (db) => db.turns.put(turn('t'.repeat(1_000_000), BOB, 'hi')), /id is longer than 200 characters/],
    [
      'a memory text with a control character',
      (db) => db.memories.update('m-b2', { text: 'Bob moved\u0000 to Lisbon' }),
      /\(id 'm-b2'\): text contains the control character U\+0000/,
    ],
  ];
  it.each(bounds)('refuses %s', async (_name, spoil, message) => {
    const source = await seededBank();
    await spoil(source);
    const error = await expectRejected(importBank(bank(), await exportBank(source)));
    expect(error.message).toMatch(message);
  });
});

describe('importBank: a bad file is refused with a clear message, and the bank stays byte-identical', () => {
  let target: MemoryDB;
  let before: string;

  beforeEach(async () => {
    target = await seededBank();
    before = await dumpBank(target);
  });

  afterEach(async () => {
    expect(await dumpBank(target)).toBe(before);
    expect(await stagingDatabases()).toEqual([]);
  });

  /** A file exported from a seeded bank after `spoil` put bad rows into it (IndexedDB itself accepts anything). */
  async function spoiledExport(spoil: (db: MemoryDB) => Promise<unknown>): Promise<Blob> {
    const source = await seededBank();
    await spoil(source);
    return exportBank(source);
  }

  async function editedExport(edit: (json: ExportJson) => void): Promise<Blob> {
    const json = await exportJson(await seededBank());
    edit(json);
    return jsonBlob(json);
  }

  const cases: [string, () => Promise<Blob>, RegExp][] = [
    ['not JSON', async () => new Blob(['hello, world']), /^not a Memory-R1 export: the file is not JSON \(.+\); nothing was imported$/],
    ['an empty file', async () => new Blob([]), /not a Memory-R1 export: the file is empty/],
    ...(['in the header', 'mid-rows', 'by its last byte'] as const).map((where): [string, () => Promise<Blob>, RegExp] => [
      `JSON truncated ${where}`,
      async () => {
        const text = await (await exportBank(await seededBank())).text();
        const cut = { 'in the header': 20, 'mid-rows': Math.floor(text.length * 0.6), 'by its last byte': text.length - 1 }[where];
        return new Blob([text.slice(0, cut)]);
      },
      /^the file is truncated: its JSON stops before the end/,
    ]),
    ['JSON that is not a Dexie export', async () => jsonBlob({ memories: [] }), /not a Memory-R1 export: the file is JSON but not a Dexie database export/],
    [
      "a Dexie export of another app's database",
      async () => {
        const { exportDB } = await import('dexie-export-import');
        const other = new Dexie('todo-app', { indexedDB, IDBKeyRange });
        other.version(1).stores({ todos: '++id, done' });
        await other.table('todos').add({ title: 'buy milk', done: 0 });
        const file = await exportDB(other);
        await other.delete();
        return file;
      },
      /^not a Memory-R1 export: this file is a Dexie export of database 'todo-app' \(tables: todos\); nothing was imported$/,
    ],
    [
      'an unknown table',
      () =>
        editedExport((json) => {
          json.data.databaseName = DB_NAME;
          json.data.tables.push({ name: 'embeddingCache', schema: 'hash', rowCount: 0 });
          json.data.data.push({ tableName: 'embeddingCache', inbound: true, rows: [] });
        }),
      /^unknown table 'embeddingCache' in the file: a memory bank has only memories, memoryHistory, turns, settings/,
    ],
    [
      'a newer schema version',
      () =>
        editedExport((json) => {
          json.data.databaseVersion = 7;
        }),
      /newer version of the app \(bank schema version 7; this app's is 3\)/,
    ],
    [
      'a memory with a 3-d embedding',
      () => spoiledExport((db) => db.memories.put(memory('m-bad', ALICE, 'Three numbers', { embedding: new Float32Array([0.6, 0.8, 0]) }))),
      // Replacing every namespace the bank has leaves no memory to compare with but the file's own.
      /memories\[\d+\] \(id 'm-bad'\): embedding has 3 dimensions, but the (bank's|file's other) memories have 384/,
    ],
    [
      'a memory with empty text',
      () => spoiledExport((db) => db.memories.update('m-a2', { text: '  ' })),
      /^the file has 1 invalid field, so nothing was imported: memories\[1\] \(id 'm-a2'\): text is empty$/,
    ],
    [
      'a NaN in an embedding',
      () =>
        spoiledExport(async (db) => {
          const embedding = randomVector(5);
          embedding[17] = Number.NaN;
          await db.memories.put(memory('m-nan', BOB, 'Not a number inside', { embedding }));
        }),
      /memories\[\d+\] \(id 'm-nan'\): embedding has a value that is not finite/,
    ],
    [
      'a history row with op "MERGE"',
      () => spoiledExport((db) => db.memoryHistory.update('h-m-b1', { op: 'MERGE' as HistoryRecord['op'] })),
      /memoryHistory\[\d+\] \(id 'h-m-b1'\): op must be one of ADD, UPDATE, DELETE, NOOP/,
    ],
    [
      'a turn with an unknown role and no timestamp',
      () => spoiledExport((db) => db.turns.put({ ...turn('t-bad', BOB, 'hi'), role: 'system' as TurnRecord['role'], at: Number.NaN })),
      /turns\[\d+\] \(id 't-bad'\): role must be one of user, assistant, dialogue; turns\[\d+\] \(id 't-bad'\): at must be a finite number/,
    ],
    [
      'an embedding stored as a plain array',
      () => spoiledExport((db) => db.memories.update('m-b1', { embedding: Array.from(randomVector(3)) as unknown as Float32Array })),
      /memories\[\d+\] \(id 'm-b1'\): embedding must be a Float32Array/,
    ],
    [
      'an embedding whose bytes do not decode',
      () =>
        editedExport((json) => {
          const row = json.data.data.find((t) => t.tableName === 'memories')!.rows[0]!;
          (row.embedding as { byteOffset: number }).byteOffset = 2;
        }),
      /^the file's rows could not be decoded \(.+\); nothing was imported$/,
    ],
  ];

  it.each(cases)('%s', async (_name, makeFile, message) => {
    const error = await expectRejected(importBank(target, await makeFile()));
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('lists the first problems with table, row, id and field, and keeps all of them on the error', async () => {
    const file = await spoiledExport(async (db) => {
      await db.memories.bulkPut(
        Array.from({ length: 7 }, (_, i) => memory(`m-x${i}`, ALICE, i % 2 ? '' : 'fine', { createdAt: i % 2 ? T0 : Number.POSITIVE_INFINITY })),
      );
    });
    const error = await expectRejected(importBank(target, file));
    expect(error.problems).toHaveLength(7);
    expect(error.problems[0]).toEqual({ table: 'memories', index: 6, id: 'm-x0', field: 'createdAt', message: 'must be a finite number' });
    expect(error.message).toMatch(
      /^the file has 7 invalid fields, so nothing was imported: memories\[6\] \(id 'm-x0'\): createdAt must be a finite number; .*; and 2 more$/,
    );
  });
});

describe('importBank: embedding size', () => {
  it("in a bank with memories, checks the file against the bank's size", async () => {
    const source = bank();
    await source.memories.put(memory('m-small', BOB, 'Tiny vector', { embedding: new Float32Array([1, 0, 0]) }));
    const target = await seededBank();
    const error = await expectRejected(importBank(target, await exportBank(source)));
    expect(error.message).toMatch(/memories\[0\] \(id 'm-small'\): embedding has 3 dimensions, but the bank's memories have 384/);
  });

  it('in an empty bank, checks the file against the size most of its memories have', async () => {
    const source = await seededBank();
    await source.memories.put(memory('m-small', BOB, 'Tiny vector', { embedding: new Float32Array([1, 0, 0]) }));
    const target = bank();
    const error = await expectRejected(importBank(target, await exportBank(source)));
    expect(error.message).toMatch(/memories\[\d+\] \(id 'm-small'\): embedding has 3 dimensions, but the file's other memories have 384/);
    expect(await target.memories.count()).toBe(0);
  });
});

describe('importBank: a write that fails mid-transaction leaves the bank unchanged', () => {
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const failures: [string, () => Error][] = [
    ['a DOMException named QuotaExceededError', quota],
    ["Dexie's AbortError wrapping it", () => new Dexie.AbortError('Transaction aborted', quota())],
    ["Dexie's BulkError listing it", () => new Dexie.BulkError('turns.bulkAdd(): 1 of 4 operations failed', { 0: new Dexie.QuotaExceededError(quota()) })],
  ];

  it.each(failures)('quota reported as %s → BankImportError(quota), nothing written', async (_name, makeError) => {
    const source = await seededBank();
    await source.memories.put(memory('m-new', ALICE, 'A memory the bank does not have'));
    const file = await exportBank(source);
    const target = bank();
    await target.memories.put(memory('m-old', ALICE, 'A memory only the bank has'));
    const before = await dumpBank(target);
    const memoriesPut = vi.spyOn(target.memories, 'bulkPut');
    vi.spyOn(target.turns, 'bulkAdd').mockRejectedValueOnce(makeError());

    const error = await expectRejected(importBank(target, file));

    expect(memoriesPut).toHaveBeenCalledOnce(); // the failure came after memories were written
    expect(error.kind).toBe('quota');
    expect(error.message).toBe(
      'not enough storage to import 7 memories; nothing was imported. Free some space (for example, clear a downloaded model) and try again.',
    );
    expect(await dumpBank(target)).toBe(before);
    expect(await stagingDatabases()).toEqual([]);
  });

  it('any other write failure is a BankImportError(storage), also with nothing written', async () => {
    const file = await exportBank(await seededBank());
    const target = bank();
    await target.memories.put(memory('m-old', ALICE, 'A memory only the bank has'));
    const before = await dumpBank(target);
    vi.spyOn(target.settings, 'bulkAdd').mockRejectedValueOnce(new Error('disk I/O error'));

    const error = await expectRejected(importBank(target, file));

    expect(error.kind).toBe('storage');
    expect(error.message).toBe('writing the import failed, so nothing was imported: disk I/O error');
    expect(await dumpBank(target)).toBe(before);
  });
});

describe('a file longer than the engine can hold in one string (a bank past ~200,000 memories)', () => {
  /** A file as the browser gives one past V8's ~512 MB string limit: whole reads fail, slices read fine. */
  class PastTheStringLimit extends Blob {
    override arrayBuffer(): Promise<ArrayBuffer> {
      return Promise.reject(new RangeError('Invalid string length'));
    }
    override text(): Promise<string> {
      return Promise.reject(new RangeError('Invalid string length'));
    }
  }

  it('is read as a stream and imported, not refused as "not UTF-8 text"', async () => {
    const source = await seededBank();
    const target = bank();
    const summary = await importBank(target, new PastTheStringLimit([await exportBank(source)]));
    expect(summary.memories.added).toBe(6);
    await source.settings.delete('ui.theme');
    expect(await dumpBank(target)).toBe(await dumpBank(source));
  });

  it('still tells a truncated one from a complete one, by the row counts its header gives and by its end', async () => {
    const text = await (await exportBank(await seededBank())).text();
    for (const cut of [Math.floor(text.length * 0.6), text.length - 1]) {
      const error = await expectRejected(importBank(bank(), new PastTheStringLimit([text.slice(0, cut)])));
      expect(error.message).toMatch(/the file is truncated|has \d+ rows but \d+ could be read/);
    }
  });

  it("an export's header counts the rows it holds, also for a namespace export", async () => {
    const json = await exportJson(await seededBank(), [ALICE]);
    for (const table of json.data.tables) expect(table.rowCount, table.name).toBe(json.data.data.find((d) => d.tableName === table.name)!.rows.length);
  });
});
