/**
 * Seeded generator of malformed bank files for the fault harness, each made from a valid export of a real bank by
 * one damage a file meets in practice (a cut-off download, another app's file, a hand edit, a newer version, a
 * wrong field type): every one must be refused with a reason, and the bank must not change.
 */
import { mulberry32 } from '../../lib/seededRandom';
import type { ApplyResult } from '../applyMemoryOps';
import type { MemoryDB } from '../db';
import { applyPlanToModel, createBatchGenerator, type PlannedBatch } from './opBatches';

export interface MalformedImport {
  kind: string;
  /** File content: text, or bytes for the not-UTF-8 case. */
  content: string | Uint8Array;
}

type Json = Record<string, unknown>;
type Damage = (file: Json, rand: () => number, text: string) => string | Uint8Array;

const clone = (file: Json): Json => JSON.parse(JSON.stringify(file)) as Json;
const dataOf = (file: Json) =>
  file.data as {
    databaseName: string;
    databaseVersion: number;
    tables: { name: string; schema: string; rowCount: number }[];
    data: { tableName: string; inbound: boolean; rows: Json[] }[];
  };
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** A row of `table` in a copy of the file, damaged by `edit`. Needs at least one row there. */
function damageRow(table: string, edit: (row: Json, rand: () => number) => void): Damage {
  return (file, rand) => {
    const copy = clone(file);
    const rows = dataOf(copy)
      .data.filter((d) => d.tableName === table)
      .flatMap((d) => d.rows);
    edit(pick(rand, rows), rand);
    return JSON.stringify(copy);
  };
}

const notAString = [42, null, true, [], {}];
const notANumber = ['12', null, [], {}, 'NaN'];

const DAMAGES: Record<string, Damage> = {
  'truncated download': (_f, rand, text) => text.slice(0, 1 + Math.floor(rand() * (text.length - 2))),
  'not UTF-8': (_f, rand, text) => {
    const bytes = new TextEncoder().encode(text);
    bytes[Math.floor(rand() * bytes.length)] = 0xff;
    return bytes;
  },
  'not JSON': (_f, rand) =>
    pick(rand, ['', '   ', 'memories: Alice adopted a dog', '<html><body>404</body></html>', "{'formatName': 'dexie'}", 'NaN', '{"a":1}}']),
  'JSON but not an object': (_f, rand) => JSON.stringify(pick(rand, [42, 'bank', null, [], [1, 2, 3], true])),
  'another format': (file, rand) => JSON.stringify({ ...clone(file), formatName: pick(rand, ['dexie-cloud', 'mem0', '', 'DEXIE']) }),
  'newer export format': (file, rand) => JSON.stringify({ ...clone(file), formatVersion: 2 + Math.floor(rand() * 10) }),
  'newer bank schema': (file, rand) => {
    const copy = clone(file);
    // Newer than the file's own version, whatever the bank's schema version is now (it was 1, then 2).
    dataOf(copy).databaseVersion = Number(dataOf(copy).databaseVersion) + 1 + Math.floor(rand() * 50);
    return JSON.stringify(copy);
  },
  "another app's database": (file) => {
    const copy = clone(file);
    const data = dataOf(copy);
    data.databaseName = 'todo-app';
    data.tables = [{ name: 'todos', schema: '++id', rowCount: 0 }];
    data.data = [];
    return JSON.stringify(copy);
  },
  'unknown table': (file, rand) => {
    const copy = clone(file);
    dataOf(copy).tables.push({ name: pick(rand, ['secrets', 'memories2', 'users']), schema: 'id', rowCount: 0 });
    return JSON.stringify(copy);
  },
  'table keyed differently': (file, rand) => {
    const copy = clone(file);
    const table = pick(
      rand,
      dataOf(copy).tables.filter((t) => t.name !== 'settings'),
    );
    table.schema = `${pick(rand, ['++id', 'uuid', '&text'])},${table.schema.split(',').slice(1).join(',')}`;
    return JSON.stringify(copy);
  },
  'rows for an unlisted table': (file) => {
    const copy = clone(file);
    dataOf(copy).data.push({ tableName: 'secrets', inbound: true, rows: [{ id: 'x' }] });
    return JSON.stringify(copy);
  },
  'keys outside the rows': (file) => {
    const copy = clone(file);
    dataOf(copy).data[0]!.inbound = false;
    return JSON.stringify(copy);
  },
  'no rows section': (file) => {
    const copy = clone(file);
    delete (copy.data as Json).data;
    return JSON.stringify(copy);
  },
  'a row that is not an object': (file, rand) => {
    const copy = clone(file);
    pick(
      rand,
      dataOf(copy).data.filter((d) => d.rows.length > 0),
    ).rows.push(pick(rand, [null, 7, 'row', []]) as unknown as Json);
    return JSON.stringify(copy);
  },
  'memory text of the wrong type': damageRow('memories', (row, rand) => (row.text = pick(rand, notAString))),
  'memory text empty': damageRow('memories', (row, rand) => (row.text = pick(rand, ['', '   ', '\n']))),
  'memory text too long': damageRow('memories', (row, rand) => (row.text = 'x'.repeat(2001 + Math.floor(rand() * 20_000)))),
  'memory without id': damageRow('memories', (row, rand) => {
    if (rand() < 0.5) delete row.id;
    else row.id = pick(rand, ['', 7, null]);
  }),
  'duplicate memory id': (file) => {
    const copy = clone(file);
    const memories = dataOf(copy).data.find((d) => d.tableName === 'memories')!;
    memories.rows.push({ ...memories.rows[0]!, text: `${String(memories.rows[0]!.text)} (copy)` });
    return JSON.stringify(copy);
  },
  'embedding not a vector': damageRow('memories', (row, rand) => (row.embedding = pick(rand, [null, 'AAAA', [0.1, 0.2], 3, {}]))),
  'memory namespace missing': damageRow('memories', (row, rand) => (row.namespace = pick(rand, ['', null, 3]))),
  'memory time not a number': damageRow('memories', (row, rand) => (row[pick(rand, ['createdAt', 'updatedAt'])] = pick(rand, notANumber))),
  'sourceTurnIds not strings': damageRow('memories', (row, rand) => (row.sourceTurnIds = pick(rand, ['D1:3', [1, 2], null, [null]]))),
  'history op unknown': damageRow('memoryHistory', (row, rand) => (row.op = pick(rand, ['MERGE', 'add', '', null, 3]))),
  'history seq invalid': damageRow('memoryHistory', (row, rand) => (row.seq = pick(rand, [-1, 0.5, '0', null]))),
  'history ADD without memory': damageRow('memoryHistory', (row) => {
    row.op = 'ADD';
    row.memoryId = null;
  }),
  'history time not a number': damageRow('memoryHistory', (row, rand) => (row.at = pick(rand, notANumber))),
  'turn role unknown': damageRow('turns', (row, rand) => (row.role = pick(rand, ['system', 'bot', '', null]))),
};

export const MALFORMED_IMPORT_KINDS = Object.keys(DAMAGES);

/**
 * `count` malformed files from `validExport` (the text of a real export with at least one memory, history row
 * and turn), cycling through every kind so each is well represented, damage chosen by `seed`.
 */
export function malformedImports(validExport: string, count: number, seed: number): MalformedImport[] {
  const rand = mulberry32(seed);
  const file = JSON.parse(validExport) as Json;
  return Array.from({ length: count }, (_, i) => {
    const kind = MALFORMED_IMPORT_KINDS[i % MALFORMED_IMPORT_KINDS.length]!;
    return { kind, content: DAMAGES[kind]!(file, rand, validExport) };
  });
}

/**
 * The small bank the malformed files are made from and tried against: four seeded batches and one turn in
 * 'user:hostile', so every table a damage edits has rows. `apply` writes one batch (applyMemoryOps in the Node test,
 * MemoryBank.apply in bench:faults).
 */
export async function seedHostileBank(db: MemoryDB, apply: (plan: PlannedBatch) => Promise<ApplyResult>): Promise<void> {
  const alive = new Map<string, string>();
  const generator = createBatchGenerator(5, 'user:hostile', 'h');
  for (let i = 0; i < 4; i++) {
    const plan = generator.next(alive, { minOps: 3, maxOps: 5 });
    const result = await apply(plan);
    if (!result.ok) throw new Error('seed batch refused');
    applyPlanToModel(
      alive,
      plan,
      result.history.filter((h) => h.op === 'ADD').map((h) => h.memoryId!),
    );
  }
  await db.turns.add({
    id: 't1',
    namespace: 'user:hostile',
    conversationId: 'chat:user:hostile',
    speaker: 'User',
    role: 'user',
    text: 'I adopted a dog.',
    at: 1,
    sessionTime: '2024-05-01',
  });
}
