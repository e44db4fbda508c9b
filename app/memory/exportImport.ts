/**
 * Export and import of the memory bank (a few namespaces or all of it) as one JSON file in dexie-export-import's
 * format, so an export is also a plain Dexie export that Dexie tooling can read. Typed arrays go through the
 * library's typeson encoding: an embedding leaves as base64 bytes and comes back as a Float32Array, bit for bit.
 *
 * An import is checked whole before anything is written (the file's syntax, its header, every field of every row)
 * and then written in one IndexedDB transaction, so a bad file, a full disk or a crash mid-way leaves the bank as
 * it was.
 */
import type { DexieExportJsonMeta } from 'dexie-export-import';
import { DB_NAME, MEMORY_TABLES, MemoryDB } from './db';
import { isQuotaError, MemoryBankError } from './memoryBankError';
import { DEVICE_LOCAL_SETTING_KEYS } from './persistence';
import { MAX_MEMORY_TEXT_LENGTH } from './memoryOps';
import type { HistoryRecord, MemoryRecord, SettingRecord, TurnRecord } from './types';

/** What an export file is, for the UI (file type, name) and for anyone reading one outside the app. */
export const BANK_EXPORT_FORMAT = {
  /** dexie-export-import's format: a header (database name, version, tables with their schema) then the rows. */
  formatName: 'dexie',
  formatVersion: 1,
  mimeType: 'application/json',
  fileExtension: '.json',
  /** Rows of these tables carry a `namespace`; an export of some namespaces holds only these tables. */
  namespacedTables: MEMORY_TABLES,
  /** Only in an export of the whole bank. */
  globalTables: ['settings'],
} as const;

export type BankTable = (typeof MEMORY_TABLES)[number] | 'settings';
export type NamespacedTable = (typeof MEMORY_TABLES)[number];
export type ImportMode = 'merge' | 'replace';

export interface ExportBankOptions {
  /** Export only these namespaces' memories, history and turns (no settings). Left out: the whole bank. */
  namespaces?: readonly string[];
}

export interface ImportBankOptions {
  /**
   * 'merge' (default) upserts every row by id and keeps everything else. 'replace' first deletes, in the bank,
   * every memory, history row and turn of the namespaces that the file has rows of; other namespaces stay.
   * Settings are upserted by key in both modes.
   */
  mode?: ImportMode;
}

export interface ImportSummary {
  mode: ImportMode;
  /** Rows written, per table. */
  imported: Record<BankTable, number>;
  /** Rows deleted before writing ('replace' only; zeros for 'merge'). */
  removed: Record<NamespacedTable, number>;
  /** The namespaces the file's rows belong to, sorted. */
  namespaces: string[];
}

/** One bad field of one row of the file. */
export interface ImportProblem {
  table: string;
  /** The row's position in the file's rows of that table. */
  index: number;
  /** The row's primary key when it has a readable one. */
  id: string | null;
  field: string;
  message: string;
}

/** An import that was refused or failed; in every case nothing of it was written. */
export class BankImportError extends MemoryBankError {
  readonly problems: readonly ImportProblem[];

  constructor(message: string, kind: 'quota' | 'storage' | 'invalid', options: { problems?: readonly ImportProblem[]; cause?: unknown } = {}) {
    super(message, kind, { cause: options.cause });
    this.name = 'BankImportError';
    this.problems = options.problems ?? [];
  }
}

/** How many problems the message lists; all of them are on `BankImportError.problems`. */
const PROBLEMS_IN_MESSAGE = 5;

type Row = Record<string, unknown>;
type FileRows = Record<BankTable, unknown[]>;
interface ValidRows {
  memories: MemoryRecord[];
  memoryHistory: HistoryRecord[];
  turns: TurnRecord[];
  settings: SettingRecord[];
}

// ---------------------------------------------------------------------------------------------------------------
// Export

/**
 * The bank (or some namespaces of it) as a JSON Blob, read in one transaction so the file is a consistent snapshot.
 * Settings are per device and per bank, not per namespace: only an export of the whole bank carries them.
 */
export async function exportBank(db: MemoryDB, options: ExportBankOptions = {}): Promise<Blob> {
  const { exportDB } = await loadExportImport();
  const namespaces = options.namespaces === undefined ? null : new Set(options.namespaces);
  if (namespaces?.size === 0) throw new Error('exportBank: no namespaces given; leave `namespaces` out to export the whole bank');
  const namespaced: readonly string[] = MEMORY_TABLES;
  const file = await exportDB(db, {
    skipTables: namespaces ? db.tables.map((t) => t.name).filter((name) => !namespaced.includes(name)) : [],
    filter: namespaces
      ? (_table, row: unknown) => isRecord(row) && typeof row.namespace === 'string' && namespaces.has(row.namespace)
      : // Whether this browser was asked to persist storage belongs to this device, not to the bank.
        (table, row: unknown) => !(table === 'settings' && isRecord(row) && DEVICE_LOCAL_SETTING_KEYS.includes(String(row.key))),
    transform: (_table, row: unknown) => ({ value: withCompactEmbedding(row) }),
  });
  // The library labels it "text/json", which is not a registered type; downloads and uploads should say JSON.
  return new Blob([file], { type: BANK_EXPORT_FORMAT.mimeType });
}

// ---------------------------------------------------------------------------------------------------------------
// Import

/**
 * Imports a file made by `exportBank`. Throws `BankImportError` (and writes nothing) for a file that is not JSON,
 * is truncated, is not a Memory-R1 export, has any invalid row, or does not fit in the storage left. After an
 * import the retrieval index must be rebuilt (`MemoryBank.changedWholesale`).
 */
export async function importBank(db: MemoryDB, file: Blob, options: ImportBankOptions = {}): Promise<ImportSummary> {
  const mode = options.mode ?? 'merge';
  const lib = await loadExportImport();
  const parsed = await parseJsonFile(file);
  const header = await readHeader(lib.peakImportFile, file);
  checkHeader(db, header);
  const rowsPerTable = countBodyRows(header, parsed);
  const fileRows = await readRevivedRows(lib.importInto, db, file);
  checkAllRowsRead(rowsPerTable, fileRows);

  const namespaces = namespacesOf(fileRows);
  const dims = await expectedDims(db, fileRows.memories, mode, namespaces);
  const rows = validateRows(fileRows, dims);
  return writeRows(db, rows, mode, namespaces);
}

type ExportImportLib = typeof import('dexie-export-import');

/**
 * Loaded on first use: the library is only needed when the user exports or imports, and it reads the browser's
 * `self` while loading, which would break Node code (tests, scripts) that merely imports this module.
 */
function loadExportImport(): Promise<ExportImportLib> {
  return import('dexie-export-import');
}

function invalid(message: string, options: { problems?: readonly ImportProblem[]; cause?: unknown } = {}): BankImportError {
  return new BankImportError(message, 'invalid', options);
}

function notOurs(why: string): BankImportError {
  return invalid(`not a Memory-R1 export: ${why}; nothing was imported`);
}

/**
 * The library's streaming parser stops quietly at the end of a truncated file and imports what it has read;
 * a full parse first is what tells a cut-off download from a complete file.
 */
async function parseJsonFile(file: Blob): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
  } catch (error) {
    throw invalid('not a Memory-R1 export: the file is not UTF-8 text (not JSON); nothing was imported', { cause: error });
  }
  if (!text.trim()) throw notOurs('the file is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = errorMessage(error);
    if (stopsEarly(reason, text)) {
      throw invalid(`the file is truncated: its JSON stops before the end (${reason}), as after an interrupted download or copy; nothing was imported`, { cause: error });
    }
    throw invalid(`not a Memory-R1 export: the file is not JSON (${reason}); nothing was imported`, { cause: error });
  }
}

/**
 * Whether JSON.parse failed because the text ended mid-value. V8, SpiderMonkey and JavaScriptCore each word it
 * differently; V8 often only names the position, which is then the end of the text.
 */
function stopsEarly(reason: string, text: string): boolean {
  if (/end of (JSON )?(input|data)|EOF|unterminated/i.test(reason)) return true;
  const position = /at position (\d+)/.exec(reason);
  return position !== null && Number(position[1]) >= text.length;
}

async function readHeader(peakImportFile: ExportImportLib['peakImportFile'], file: Blob): Promise<DexieExportJsonMeta> {
  try {
    return await peakImportFile(file);
  } catch (error) {
    throw invalid(`not a Memory-R1 export: its header could not be read (${errorMessage(error)}); nothing was imported`, { cause: error });
  }
}

/**
 * A Memory-R1 export is a Dexie export of this app's database. Test banks and renamed banks have other names, so
 * a file under another name is still accepted when all its tables are the bank's, keyed the same way.
 */
function checkHeader(db: MemoryDB, header: unknown): void {
  if (!isRecord(header) || header.formatName !== BANK_EXPORT_FORMAT.formatName) throw notOurs('the file is JSON but not a Dexie database export');
  if (typeof header.formatVersion !== 'number' || header.formatVersion > BANK_EXPORT_FORMAT.formatVersion) {
    throw notOurs(`it is in Dexie export format ${String(header.formatVersion)}, which this app cannot read (it reads ${BANK_EXPORT_FORMAT.formatVersion})`);
  }
  const data = header.data;
  if (!isRecord(data) || typeof data.databaseName !== 'string' || typeof data.databaseVersion !== 'number' || !Array.isArray(data.tables)) {
    throw notOurs('its Dexie header has no database name, version or table list');
  }
  const tables = data.tables.map((t) => (isRecord(t) && typeof t.name === 'string' && typeof t.schema === 'string' ? { name: t.name, schema: t.schema } : null));
  if (tables.includes(null)) throw notOurs('its Dexie header lists a table without a name or schema');
  const fileTables = tables as { name: string; schema: string }[];

  const bankKeys = new Map(db.tables.map((t) => [t.name, t.schema.primKey.src]));
  const unknown = fileTables.filter((t) => !bankKeys.has(t.name));
  const namedLikeABank = data.databaseName === DB_NAME || data.databaseName === db.name;
  if (!namedLikeABank && (unknown.length > 0 || !fileTables.some((t) => t.name === 'memories'))) {
    throw notOurs(`this file is a Dexie export of database '${data.databaseName}' (tables: ${fileTables.map((t) => t.name).join(', ') || 'none'})`);
  }
  if (data.databaseVersion > db.verno) {
    throw invalid(`the file comes from a newer version of the app (bank schema version ${data.databaseVersion}; this app's is ${db.verno}); nothing was imported`);
  }
  if (unknown.length > 0) {
    throw invalid(`unknown table '${unknown[0]!.name}' in the file: a memory bank has only ${[...bankKeys.keys()].join(', ')}; nothing was imported`);
  }
  for (const table of fileTables) {
    const key = table.schema.split(',')[0]!.trim();
    if (key !== bankKeys.get(table.name)) {
      throw invalid(`table '${table.name}' in the file is keyed by '${key}', but the bank's is keyed by '${bankKeys.get(table.name)}'; nothing was imported`);
    }
  }
}

/**
 * Rows per table as the complete parse sees them, after checking the shape the library's importer relies on
 * (it would crash on a table missing from the header, and skip or mis-key rows stored outside the objects).
 */
function countBodyRows(header: DexieExportJsonMeta, parsed: unknown): Map<string, number> {
  const body = isRecord(parsed) && isRecord(parsed.data) ? parsed.data.data : undefined;
  if (!Array.isArray(body)) throw notOurs('it has a Dexie header but no rows section');
  const listed = new Set(header.data.tables.map((t) => t.name));
  const counts = new Map<string, number>();
  for (const entry of body) {
    if (!isRecord(entry) || typeof entry.tableName !== 'string' || !Array.isArray(entry.rows)) {
      throw invalid('the file has a malformed rows section (a table entry without a name or rows); nothing was imported');
    }
    if (!listed.has(entry.tableName)) throw invalid(`the file has rows for table '${entry.tableName}', which its header does not list; nothing was imported`);
    if (entry.inbound !== true) throw invalid(`the file stores table '${entry.tableName}' with keys outside the rows, as no Memory-R1 export does; nothing was imported`);
    checkArraysBeforeRevival(entry.tableName, entry.rows);
    counts.set(entry.tableName, (counts.get(entry.tableName) ?? 0) + entry.rows.length);
  }
  return counts;
}

/**
 * typeson's reviver turns whatever a row holds under a field its `$types` marks as an array into one: a hand-edited
 * `"sourceTurnIds": "D1:3"` would come back as ["D", "1", ":", "3"] and pass the row checks. So such fields must be
 * arrays in the file itself (found by bench:faults' malformed files).
 */
function checkArraysBeforeRevival(table: string, rows: readonly unknown[]): void {
  rows.forEach((row, index) => {
    if (!isRecord(row) || !isRecord(row.$types)) return;
    for (const [field, type] of Object.entries(row.$types)) {
      if (type === 'arrayNonindexKeys' && !field.includes('.') && !Array.isArray(row[field])) {
        throw invalid(`the file's ${table}[${index}]: ${field} must be an array, got ${describe(row[field])}; nothing was imported`);
      }
    }
  });
}

/**
 * Runs the library's importer, for its typeson revival (base64 back to Float32Array), into an empty staging
 * database next to the bank, with a filter that keeps every revived row for us and lets none through: staging
 * stays empty, so reading a file costs no storage (it matters exactly when storage is tight), and whatever the
 * importer does can never touch the bank itself. Staging is deleted whatever happens.
 */
async function readRevivedRows(importInto: ExportImportLib['importInto'], db: MemoryDB, file: Blob): Promise<FileRows> {
  const rows: FileRows = { memories: [], memoryHistory: [], turns: [], settings: [] };
  const staging = new MemoryDB(`${db.name}-import-staging-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`, {
    indexedDB: db._options.indexedDB,
    IDBKeyRange: db._options.IDBKeyRange,
  });
  try {
    await importInto(staging, file, {
      acceptNameDiff: true,
      acceptVersionDiff: true,
      // Nothing is written, so there is nothing to keep atomic.
      noTransaction: true,
      filter: (table, value: unknown) => {
        if (isBankTable(table)) rows[table].push(value);
        return false;
      },
    });
  } catch (error) {
    if (isQuotaError(error)) throw quotaError(rows.memories.length, error);
    throw invalid(`the file's rows could not be decoded (${errorMessage(error)}); nothing was imported`, { cause: error });
  } finally {
    // A leftover empty staging database is harmless; failing to delete it must not hide the import's outcome.
    await staging.delete().catch(() => undefined);
  }
  return rows;
}

function checkAllRowsRead(rowsPerTable: ReadonlyMap<string, number>, rows: FileRows): void {
  for (const [table, count] of rowsPerTable) {
    const read = isBankTable(table) ? rows[table].length : 0;
    if (read !== count) {
      throw invalid(`the file's table '${table}' has ${count} rows but ${read} could be read; nothing was imported`);
    }
  }
}

function namespacesOf(rows: FileRows): string[] {
  const namespaces = new Set<string>();
  for (const table of MEMORY_TABLES) {
    for (const row of rows[table]) if (isRecord(row) && typeof row.namespace === 'string' && row.namespace) namespaces.add(row.namespace);
  }
  return [...namespaces].sort();
}

interface DimsExpectation {
  dims: number;
  /** Where the number comes from, for the message. */
  source: string;
}

/**
 * Retrieval compares every memory with every query, so all embeddings must have one size: the size of the
 * memories that stay in the bank, or, in an empty bank (or one the file replaces whole), the size most of the
 * file's memories have.
 */
async function expectedDims(db: MemoryDB, memories: readonly unknown[], mode: ImportMode, namespaces: readonly string[]): Promise<DimsExpectation | null> {
  const staying = mode === 'replace' && namespaces.length > 0 ? db.memories.where('namespace').noneOf(namespaces) : db.memories.toCollection();
  const kept = await staying.first();
  if (kept) return { dims: kept.embedding.length, source: "the bank's memories have" };
  const counts = new Map<number, number>();
  for (const m of memories) {
    if (isRecord(m) && isFloat32Array(m.embedding)) counts.set(m.embedding.length, (counts.get(m.embedding.length) ?? 0) + 1);
  }
  let best: DimsExpectation | null = null;
  let bestCount = 0;
  for (const [dims, count] of counts) {
    if (count > bestCount) [best, bestCount] = [{ dims, source: "the file's other memories have" }, count];
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Row validation: every field of every row, all problems collected, so one message can say what is wrong.

type Fail = (field: string, message: string) => void;

function validateRows(rows: FileRows, dims: DimsExpectation | null): ValidRows {
  const problems: ImportProblem[] = [];
  const memories = checkTable<MemoryRecord>('memories', 'id', rows.memories, problems, (row, fail) => checkMemory(row, dims, fail));
  const memoryHistory = checkTable<HistoryRecord>('memoryHistory', 'id', rows.memoryHistory, problems, checkHistoryRow);
  const turns = checkTable<TurnRecord>('turns', 'id', rows.turns, problems, checkTurn);
  const settings = checkTable<SettingRecord>('settings', 'key', rows.settings, problems, () => undefined);
  if (problems.length > 0) {
    const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map(describeProblem).join('; ');
    const more = problems.length > PROBLEMS_IN_MESSAGE ? `; and ${problems.length - PROBLEMS_IN_MESSAGE} more` : '';
    throw invalid(`the file has ${problems.length} invalid field${problems.length === 1 ? '' : 's'}, so nothing was imported: ${shown}${more}`, { problems });
  }
  return {
    memories: memories.map((m) => ({ ...m, embedding: compact(m.embedding) })),
    memoryHistory,
    turns,
    settings,
  };
}

/** Checks the key (present, unique in the file) and the row's own fields; returns the rows typed as records. */
function checkTable<T>(table: BankTable, keyField: 'id' | 'key', rows: readonly unknown[], problems: ImportProblem[], checkRow: (row: Row, fail: Fail) => void): T[] {
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    const key = isRecord(row) && typeof row[keyField] === 'string' ? (row[keyField] as string) : null;
    const fail: Fail = (field, message) => problems.push({ table, index, id: key || null, field, message });
    if (!isRecord(row)) return fail('(row)', `must be an object, got ${describe(row)}`);
    if (!key) fail(keyField, `must be a non-empty string, got ${describe(row[keyField])}`);
    else if (seen.has(key)) fail(keyField, `'${key}' appears twice in the table`);
    else seen.add(key);
    checkRow(row, fail);
  });
  return rows as T[];
}

function checkMemory(row: Row, dims: DimsExpectation | null, fail: Fail): void {
  nonEmptyString(row, 'namespace', fail);
  nonEmptyString(row, 'text', fail);
  if (typeof row.text === 'string' && row.text.length > MAX_MEMORY_TEXT_LENGTH) {
    fail('text', `is ${row.text.length} characters; the limit is ${MAX_MEMORY_TEXT_LENGTH}`);
  }
  checkEmbedding(row.embedding, dims, fail);
  finiteNumber(row, 'createdAt', fail);
  finiteNumber(row, 'updatedAt', fail);
  if (!Array.isArray(row.sourceTurnIds) || row.sourceTurnIds.some((t) => typeof t !== 'string')) {
    fail('sourceTurnIds', `must be an array of strings, got ${describe(row.sourceTurnIds)}`);
  }
  stringOrNull(row, 'eventTime', fail);
}

function checkEmbedding(embedding: unknown, dims: DimsExpectation | null, fail: Fail): void {
  if (!isFloat32Array(embedding)) return fail('embedding', `must be a Float32Array, got ${describe(embedding)}`);
  if (embedding.length === 0) return fail('embedding', 'is empty');
  if (dims && embedding.length !== dims.dims) {
    return fail('embedding', `has ${embedding.length} dimensions, but ${dims.source} ${dims.dims}`);
  }
  const bad = embedding.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) return fail('embedding', `is not finite at dimension ${bad} (${embedding[bad]})`);
  if (embedding.every((x) => x === 0)) fail('embedding', 'is all zeros');
}

const HISTORY_OPS = ['ADD', 'UPDATE', 'DELETE', 'NOOP'];

function checkHistoryRow(row: Row, fail: Fail): void {
  nonEmptyString(row, 'batchId', fail);
  if (!Number.isInteger(row.seq) || (row.seq as number) < 0) fail('seq', `must be a non-negative integer, got ${describe(row.seq)}`);
  oneOf(row, 'op', HISTORY_OPS, fail);
  stringOrNull(row, 'memoryId', fail);
  // Only a NOOP may name no memory.
  if (row.memoryId === null && typeof row.op === 'string' && row.op !== 'NOOP' && HISTORY_OPS.includes(row.op)) {
    fail('memoryId', `is null, but a ${row.op} always names the memory it changed`);
  }
  nonEmptyString(row, 'namespace', fail);
  stringOrNull(row, 'before', fail);
  stringOrNull(row, 'after', fail);
  stringOrNull(row, 'turnId', fail);
  finiteNumber(row, 'at', fail);
  string(row, 'model', fail);
  string(row, 'promptVersion', fail);
}

function checkTurn(row: Row, fail: Fail): void {
  nonEmptyString(row, 'namespace', fail);
  string(row, 'conversationId', fail);
  string(row, 'speaker', fail);
  oneOf(row, 'role', ['user', 'assistant', 'dialogue'], fail);
  string(row, 'text', fail);
  finiteNumber(row, 'at', fail);
  stringOrNull(row, 'sessionTime', fail);
  if (row.usedMemoryIds !== undefined && (!Array.isArray(row.usedMemoryIds) || row.usedMemoryIds.some((id) => typeof id !== 'string'))) {
    fail('usedMemoryIds', 'must be an array of strings');
  }
}

function string(row: Row, field: string, fail: Fail): void {
  if (typeof row[field] !== 'string') fail(field, `must be a string, got ${describe(row[field])}`);
}

function nonEmptyString(row: Row, field: string, fail: Fail): void {
  const value = row[field];
  if (typeof value !== 'string' || !value.trim()) fail(field, `must be a non-empty string, got ${describe(value)}`);
}

function stringOrNull(row: Row, field: string, fail: Fail): void {
  if (row[field] !== null && typeof row[field] !== 'string') fail(field, `must be a string or null, got ${describe(row[field])}`);
}

function finiteNumber(row: Row, field: string, fail: Fail): void {
  if (typeof row[field] !== 'number' || !Number.isFinite(row[field])) fail(field, `must be a finite number, got ${describe(row[field])}`);
}

function oneOf(row: Row, field: string, allowed: readonly string[], fail: Fail): void {
  const value = row[field];
  if (typeof value !== 'string' || !allowed.includes(value)) fail(field, `must be one of ${allowed.join(', ')}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'number') return String(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value;
}

function describeProblem(p: ImportProblem): string {
  return `${p.table}[${p.index}]${p.id ? ` (id '${p.id}')` : ''}: ${p.field} ${p.message}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** All of it in one transaction: IndexedDB rolls every write back if any of them (or the commit) fails. */
async function writeRows(db: MemoryDB, rows: ValidRows, mode: ImportMode, namespaces: string[]): Promise<ImportSummary> {
  const removed: Record<NamespacedTable, number> = { memories: 0, memoryHistory: 0, turns: 0 };
  try {
    await db.transaction('rw', [db.memories, db.memoryHistory, db.turns, db.settings], async () => {
      if (mode === 'replace' && namespaces.length > 0) {
        removed.memories = await db.memories.where('namespace').anyOf(namespaces).delete();
        removed.memoryHistory = await db.memoryHistory.where('namespace').anyOf(namespaces).delete();
        removed.turns = await db.turns.where('namespace').anyOf(namespaces).delete();
      }
      await db.memories.bulkPut(rows.memories);
      await db.memoryHistory.bulkPut(rows.memoryHistory);
      await db.turns.bulkPut(rows.turns);
      await db.settings.bulkPut(rows.settings);
    });
  } catch (error) {
    if (isQuotaError(error)) throw quotaError(rows.memories.length, error);
    throw new BankImportError(`writing the import failed, so nothing was imported: ${errorMessage(error)}`, 'storage', { cause: error });
  }
  return {
    mode,
    imported: {
      memories: rows.memories.length,
      memoryHistory: rows.memoryHistory.length,
      turns: rows.turns.length,
      settings: rows.settings.length,
    },
    removed,
    namespaces,
  };
}

function quotaError(memories: number, cause: unknown): BankImportError {
  return new BankImportError(
    `not enough storage to import ${memories} ${memories === 1 ? 'memory' : 'memories'}; nothing was imported. Free some space (for example, clear a downloaded model) and try again.`,
    'quota',
    { cause },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBankTable(name: string): name is BankTable {
  return name === 'settings' || (MEMORY_TABLES as readonly string[]).includes(name);
}

/** By tag rather than instanceof: typeson revives with the global constructor, which need not be this realm's. */
function isFloat32Array(value: unknown): value is Float32Array {
  return Object.prototype.toString.call(value) === '[object Float32Array]';
}

/**
 * An embedding that is a view into a larger buffer (a slice of a batched model output) would be exported, and
 * stored, with the whole buffer; copying it to its own buffer keeps files and rows the size of the vector.
 */
function compact(embedding: Float32Array): Float32Array {
  return embedding.byteOffset === 0 && embedding.byteLength === embedding.buffer.byteLength ? embedding : embedding.slice();
}

function withCompactEmbedding(row: unknown): unknown {
  if (!isRecord(row) || !isFloat32Array(row.embedding)) return row;
  const embedding = compact(row.embedding);
  return embedding === row.embedding ? row : { ...row, embedding };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
