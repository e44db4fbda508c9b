import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DB_NAME, type MemoryDB } from './db';
import { BankImportError, exportBank, importBank, type ImportSummary } from './exportImport';
import { installBrowserFileShims } from './testing/browserFileShims';
import { dumpBank, openTestBank, randomVector } from './testing/bankFixtures';
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

/** Three namespaces of memories with history and turns, and settings. */
async function seedBank(db: MemoryDB): Promise<void> {
  const tricky = randomVector(999);
  // Bit patterns JSON numbers would not keep: negative zero and the smallest subnormal float32.
  tricky[0] = -0;
  tricky[1] = 1.401298464324817e-45;
  await db.memories.bulkPut([
    memory('m-a1', ALICE, 'Alice adopted a dog named Buddy', { embedding: tricky }),
    memory('m-a2', ALICE, 'Alice works as a counselor'),
    memory('m-a3', ALICE, 'Alice ran a charity race last Saturday', { eventTime: '2023-05-06' }),
    memory('m-b1', BOB, 'Bob plays the violin'),
    memory('m-b2', BOB, 'Bob moved to Lisbon', { sourceTurnIds: [] }),
    memory('m-s1', ASSISTANT, 'The assistant answers in English'),
  ]);
  await db.memoryHistory.bulkPut([
    history('h-a1', ALICE, 'ADD', 'm-a1'),
    history('h-a2', ALICE, 'UPDATE', 'm-a2', { seq: 1 }),
    history('h-a3', ALICE, 'NOOP', null, { seq: 2, before: null, after: null }),
    history('h-a4', ALICE, 'DELETE', 'm-a0', { turnId: null }),
    history('h-b1', BOB, 'ADD', 'm-b1'),
    history('h-s1', ASSISTANT, 'ADD', 'm-s1', { model: 'manual', promptVersion: 'manual' }),
  ]);
  await db.turns.bulkPut([
    turn('t-a1', ALICE, 'I adopted Buddy yesterday'),
    turn('t-a2', ALICE, 'I work as a counselor'),
    turn('t-b1', BOB, 'I play the violin'),
    turn('t-s1', ASSISTANT, 'Noted.'),
  ]);
  await db.settings.bulkPut([
    { key: 'embedder', value: { model: 'Xenova/all-MiniLM-L6-v2', dims: 384 } },
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

describe('exportBank → importBank', () => {
  it('round-trips a whole bank into an empty one: every row equal, embeddings Float32Array and byte-identical', async () => {
    const source = await seededBank();
    const file = await exportBank(source);
    const target = bank();

    const summary = await importBank(target, file);

    expect(await dumpBank(target)).toBe(await dumpBank(source));
    const [copied, original] = [await target.memories.toArray(), await source.memories.toArray()];
    expect(copied).toEqual(original);
    for (const [i, m] of copied.entries()) {
      expect(m.embedding).toBeInstanceOf(Float32Array);
      expect(m.embedding.length).toBe(384);
      expect(new Uint8Array(m.embedding.buffer, m.embedding.byteOffset, m.embedding.byteLength)).toEqual(
        new Uint8Array(original[i]!.embedding.buffer, original[i]!.embedding.byteOffset, original[i]!.embedding.byteLength),
      );
    }
    expect(Object.is((await target.memories.get('m-a1'))!.embedding[0], -0)).toBe(true);
    expect(summary).toEqual<ImportSummary>({
      mode: 'merge',
      imported: { memories: 6, memoryHistory: 6, turns: 4, settings: 2 },
      removed: { memories: 0, memoryHistory: 0, turns: 0 },
      namespaces: [ASSISTANT, ALICE, BOB],
    });
    expect(await stagingDatabases()).toEqual([]);
  });

  it('writes a Dexie export: the documented JSON format, embeddings as typeson-encoded base64', async () => {
    const file = await exportBank(await seededBank());
    expect(file.type).toBe('application/json');
    const json = JSON.parse(await file.text()) as ExportJson;
    expect(json.formatName).toBe('dexie');
    expect(json.data.tables.map((t) => t.name).sort()).toEqual(['memories', 'memoryHistory', 'settings', 'turns']);
    const row = json.data.data.find((t) => t.tableName === 'memories')!.rows[0]!;
    expect(row.$types).toMatchObject({ embedding: 'float32array2', 'embedding.buffer': 'arraybuffer' });
    expect(row.embedding).toMatchObject({ byteOffset: 0, length: 384, buffer: expect.any(String) });
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

  it('a namespace export holds only that namespace, and no settings', async () => {
    const source = await seededBank();
    const json = await exportJson(source, [ALICE]);
    expect(json.data.tables.map((t) => t.name).sort()).toEqual(['memories', 'memoryHistory', 'turns']);
    const rows = json.data.data.flatMap((t) => t.rows);
    expect(rows.length).toBe(3 + 4 + 2);
    expect(new Set(rows.map((r) => r.namespace))).toEqual(new Set([ALICE]));

    const target = bank();
    const summary = await importBank(target, await exportBank(source, { namespaces: [ALICE] }));
    expect(await namespaceRows(target, [ALICE, BOB, ASSISTANT])).toEqual(await namespaceRows(source, [ALICE]));
    expect(await target.settings.count()).toBe(0);
    expect(summary.namespaces).toEqual([ALICE]);
    expect(summary.imported).toEqual({ memories: 3, memoryHistory: 4, turns: 2, settings: 0 });
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

describe('importBank: merge and replace', () => {
  /** A bank that has diverged from the file: m-a1 edited, m-a9 (with its history and turn) only here, Bob's too. */
  async function divergedBank(): Promise<MemoryDB> {
    const db = await seededBank();
    await db.memories.update('m-a1', { text: 'Alice adopted a cat', updatedAt: T0 + 99 * DAY });
    await db.memories.put(memory('m-a9', ALICE, 'Alice learned the piano'));
    await db.memoryHistory.put(history('h-a9', ALICE, 'ADD', 'm-a9'));
    await db.turns.put(turn('t-a9', ALICE, 'I learned the piano'));
    await db.memories.update('m-b1', { text: 'Bob plays the cello' });
    return db;
  }

  it("merge upserts the file's rows by id and keeps everything else", async () => {
    const source = await seededBank();
    const file = await exportBank(source, { namespaces: [ALICE] });
    const target = await divergedBank();
    const bobBefore = await namespaceRows(target, [BOB, ASSISTANT]);

    const summary = await importBank(target, file, { mode: 'merge' });

    expect((await target.memories.get('m-a1'))!).toEqual((await source.memories.get('m-a1'))!);
    expect(await target.memories.get('m-a9')).toBeDefined();
    expect(await target.memoryHistory.get('h-a9')).toBeDefined();
    expect(await target.turns.get('t-a9')).toBeDefined();
    expect(await namespaceRows(target, [BOB, ASSISTANT])).toEqual(bobBefore);
    expect(summary.removed).toEqual({ memories: 0, memoryHistory: 0, turns: 0 });

    // Importing the same file again changes nothing.
    const once = await dumpBank(target);
    await importBank(target, file, { mode: 'merge' });
    expect(await dumpBank(target)).toBe(once);
  });

  it("replace makes the file's namespaces exactly the file's, and leaves other namespaces alone", async () => {
    const source = await seededBank();
    const file = await exportBank(source, { namespaces: [ALICE] });
    const target = await divergedBank();
    const othersBefore = await namespaceRows(target, [BOB, ASSISTANT]);
    const settingsBefore = await target.settings.toArray();

    const summary = await importBank(target, file, { mode: 'replace' });

    expect(await namespaceRows(target, [ALICE])).toEqual(await namespaceRows(source, [ALICE]));
    expect(await target.memories.get('m-a9')).toBeUndefined();
    expect(await target.memoryHistory.get('h-a9')).toBeUndefined();
    expect(await target.turns.get('t-a9')).toBeUndefined();
    expect(await namespaceRows(target, [BOB, ASSISTANT])).toEqual(othersBefore);
    expect(await target.settings.toArray()).toEqual(settingsBefore);
    expect(summary).toEqual<ImportSummary>({
      mode: 'replace',
      imported: { memories: 3, memoryHistory: 4, turns: 2, settings: 0 },
      removed: { memories: 4, memoryHistory: 5, turns: 3 },
      namespaces: [ALICE],
    });
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
      /newer version of the app \(bank schema version 7; this app's is 1\)/,
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
      /^the file has 1 invalid field, so nothing was imported: memories\[1\] \(id 'm-a2'\): text must be a non-empty string, got "  "$/,
    ],
    [
      'a NaN in an embedding',
      () =>
        spoiledExport(async (db) => {
          const embedding = randomVector(5);
          embedding[17] = Number.NaN;
          await db.memories.put(memory('m-nan', BOB, 'Not a number inside', { embedding }));
        }),
      /memories\[\d+\] \(id 'm-nan'\): embedding is not finite at dimension 17 \(NaN\)/,
    ],
    [
      'a history row with op "MERGE"',
      () => spoiledExport((db) => db.memoryHistory.update('h-b1', { op: 'MERGE' as HistoryRecord['op'] })),
      /memoryHistory\[\d+\] \(id 'h-b1'\): op must be one of ADD, UPDATE, DELETE, NOOP, got "MERGE"/,
    ],
    [
      'a turn with an unknown role and no timestamp',
      () => spoiledExport((db) => db.turns.put({ ...turn('t-bad', BOB, 'hi'), role: 'system' as TurnRecord['role'], at: Number.NaN })),
      /turns\[\d+\] \(id 't-bad'\): role must be one of user, assistant, dialogue, got "system"; turns\[\d+\] \(id 't-bad'\): at must be a finite number, got NaN/,
    ],
    [
      'an embedding stored as a plain array',
      () => spoiledExport((db) => db.memories.update('m-b1', { embedding: Array.from(randomVector(3)) as unknown as Float32Array })),
      /memories\[\d+\] \(id 'm-b1'\): embedding must be a Float32Array, got an array/,
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

  const modes = ['merge', 'replace'] as const;
  it.each(cases.flatMap(([name, makeFile, message]) => modes.map((mode) => [name, mode, makeFile, message] as const)))('%s (%s)', async (_name, mode, makeFile, message) => {
    const error = await expectRejected(importBank(target, await makeFile(), { mode }));
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
    expect(error.problems[0]).toEqual({ table: 'memories', index: 6, id: 'm-x0', field: 'createdAt', message: 'must be a finite number, got Infinity' });
    expect(error.message).toMatch(/^the file has 7 invalid fields, so nothing was imported: memories\[6\] \(id 'm-x0'\): createdAt must be a finite number, got Infinity; .*; and 2 more$/);
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

  it('replacing every namespace of the bank may change the size (a new embedding model)', async () => {
    const source = bank();
    await source.memories.put(memory('m-new', ALICE, 'Re-embedded with a bigger model', { embedding: randomVector(11, 768) }));
    const target = bank();
    await target.memories.put(memory('m-old', ALICE, 'Embedded with the old model'));
    await importBank(target, await exportBank(source), { mode: 'replace' });
    expect((await target.memories.toArray()).map((m) => [m.id, m.embedding.length])).toEqual([['m-new', 768]]);
  });
});

describe('importBank: a write that fails mid-transaction leaves the bank unchanged', () => {
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const failures: [string, () => Error][] = [
    ['a DOMException named QuotaExceededError', quota],
    ["Dexie's AbortError wrapping it", () => new Dexie.AbortError('Transaction aborted', quota())],
    ["Dexie's BulkError listing it", () => new Dexie.BulkError('turns.bulkPut(): 1 of 4 operations failed', { 0: new Dexie.QuotaExceededError(quota()) })],
  ];

  it.each(failures)('quota reported as %s → BankImportError(quota), nothing written', async (_name, makeError) => {
    const source = await seededBank();
    await source.memories.put(memory('m-new', ALICE, 'A memory the bank does not have'));
    const file = await exportBank(source);
    const target = bank();
    await target.memories.put(memory('m-old', ALICE, 'A memory only the bank has'));
    const before = await dumpBank(target);
    const memoriesPut = vi.spyOn(target.memories, 'bulkPut');
    vi.spyOn(target.turns, 'bulkPut').mockRejectedValueOnce(makeError());

    const error = await expectRejected(importBank(target, file, { mode: 'replace' }));

    expect(memoriesPut).toHaveBeenCalledOnce(); // the failure came after memories were deleted and written
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
    vi.spyOn(target.settings, 'bulkPut').mockRejectedValueOnce(new Error('disk I/O error'));

    const error = await expectRejected(importBank(target, file, { mode: 'replace' }));

    expect(error.kind).toBe('storage');
    expect(error.message).toBe('writing the import failed, so nothing was imported: disk I/O error');
    expect(await dumpBank(target)).toBe(before);
  });
});
