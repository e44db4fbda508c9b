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
import * as v from 'valibot';
import { DB_NAME, MemoryDB, NAMESPACED_USER_DATA_TABLES, USER_DATA_TABLES, type UserDataTable } from './db';
import { type ImportedRows, isFloat32Array, portableSetting, ROW_SCHEMAS } from './exportImportSchemas';
import { isQuotaError, MemoryBankError } from './memoryBankError';

/** What an export file is, for the UI (file type, name) and for anyone reading one outside the app. */
export const BANK_EXPORT_FORMAT = {
  /** dexie-export-import's format: a header (database name, version, tables with their schema) then the rows. */
  formatName: 'dexie',
  formatVersion: 1,
  mimeType: 'application/json',
  fileExtension: '.json',
  /** Rows of these tables carry a `namespace`; an export of some namespaces holds only these tables. */
  namespacedTables: NAMESPACED_USER_DATA_TABLES,
  /** Every table an export of the whole bank holds. */
  tables: USER_DATA_TABLES,
} as const;

export interface ExportBankOptions {
  /** Export only these namespaces' rows of the namespaced tables (no settings, no evaluation runs). Left out: everything. */
  namespaces?: readonly string[];
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
type FileRows = Record<UserDataTable, unknown[]>;

/** A bank file read whole and checked: every row valid, every memory's history ending in its text. */
export interface BankFile {
  rows: ImportedRows;
  /** The namespaces the file's rows belong to, sorted. */
  namespaces: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Export

/**
 * The bank (or some namespaces of it) as a JSON Blob, read in one transaction so the file is a consistent snapshot.
 * The library writes it as a Blob of one slice per chunk of rows, so a bank larger than the engine's longest string
 * (~512 MB in V8) still exports. Settings are per device and per bank, not per namespace: only an export of the
 * whole bank carries them, and only the portable ones (exportImportSchemas.ts).
 */
export async function exportBank(db: MemoryDB, options: ExportBankOptions = {}): Promise<Blob> {
  const { exportDB } = await loadExportImport();
  const namespaces = options.namespaces === undefined ? null : new Set(options.namespaces);
  if (namespaces?.size === 0) throw new Error('exportBank: no namespaces given; leave `namespaces` out to export the whole bank');
  const included: readonly string[] = namespaces ? NAMESPACED_USER_DATA_TABLES : USER_DATA_TABLES;
  const written = new Map<string, number>();
  const file = await exportDB(db, {
    skipTables: db.tables.map((t) => t.name).filter((name) => !included.includes(name)),
    filter: (table, row: unknown) => {
      const keep = namespaces
        ? isRecord(row) && typeof row.namespace === 'string' && namespaces.has(row.namespace)
        : table !== 'settings' || (isRecord(row) && typeof row.key === 'string' && portableSetting(row.key) !== undefined);
      if (keep) written.set(table, (written.get(table) ?? 0) + 1);
      return keep;
    },
    transform: (_table, row: unknown) => ({ value: withCompactEmbedding(row) }),
  });
  // The library labels it "text/json", which is not a registered type; downloads and uploads should say JSON.
  return new Blob(await withRowCounts(file, written), { type: BANK_EXPORT_FORMAT.mimeType });
}

/**
 * The library's header counts every row of a table, before the filter: a namespace export of 3 memories out of 6
 * says 6. The header is rewritten with the rows actually written, so a reader can tell a complete file from a
 * truncated one by the counts alone (how files too large for one string are read, see `readBankFile`).
 */
async function withRowCounts(file: Blob, written: ReadonlyMap<string, number>): Promise<BlobPart[]> {
  const head = await file.slice(0, 64 * 1024).text();
  const end = head.indexOf('],"data":[');
  if (end < 0) throw new Error('exportBank: the export has no header the app can read');
  const header = JSON.parse(`${head.slice(0, end + 1)}}}`) as DexieExportJsonMeta;
  for (const table of header.data.tables) table.rowCount = written.get(table.name) ?? 0;
  const rewritten = `${JSON.stringify(header).slice(0, -2)},"data":[`;
  const rest = file.slice(new TextEncoder().encode(head.slice(0, end + '],"data":['.length)).length);
  return [rewritten, rest];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a file

/**
 * Reads and checks a file made by `exportBank`; writes nothing to the bank. Throws `BankImportError` for a file
 * that is not JSON, is truncated, is not a Memory-R1 export, has any invalid row, or has a memory whose history
 * does not end in its text. What importing it would do is `planImport`'s (exportImportPlan.ts).
 */
export async function readBankFile(db: MemoryDB, file: Blob): Promise<BankFile> {
  const lib = await loadExportImport();
  const parsed = file.size > WHOLE_PARSE_LIMIT_BYTES ? TOO_LONG_FOR_ONE_STRING : await parseJsonFile(file);
  const header = await readHeader(lib.peakImportFile, file);
  checkHeader(db, header);
  const rowsPerTable = parsed === TOO_LONG_FOR_ONE_STRING ? await streamedRowCounts(header, file) : countBodyRows(header, parsed);
  const fileRows = await readRevivedRows(lib.importInto, db, file);
  checkAllRowsRead(rowsPerTable, fileRows);

  const dims = await expectedDims(db, fileRows.memories);
  const rows = validateRows(fileRows, dims);
  checkHistoriesReplay(rows);
  return { rows, namespaces: namespacesOf(rows) };
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
 * Files up to this size are also parsed whole, which checks their syntax and shape before the library reads them
 * (see `parseJsonFile`); larger ones go straight to the library's streaming reader: an engine's strings stop at
 * 2^29 - 24 characters in V8 (~512 MB of JSON), which a bank of ~200,000 memories passes.
 */
const WHOLE_PARSE_LIMIT_BYTES = 256 * 1024 * 1024;
const TOO_LONG_FOR_ONE_STRING = Symbol('too long for one string');

/**
 * The library's streaming parser stops quietly at the end of a truncated file and imports what it has read;
 * a full parse first is what tells a cut-off download from a complete file. A file that is valid but longer than
 * the engine's longest string is not refused: it is read as a stream (`streamedRowCounts`).
 */
async function parseJsonFile(file: Blob): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
  } catch (error) {
    // "Invalid string length" (V8), "allocation size overflow" (SpiderMonkey), "Out of memory" (JavaScriptCore).
    if (error instanceof RangeError || /string length|allocation|out of memory/i.test(errorMessage(error))) return TOO_LONG_FOR_ONE_STRING;
    throw invalid('not a Memory-R1 export: the file is not UTF-8 text (not JSON); nothing was imported', { cause: error });
  }
  if (!text.trim()) throw notOurs('the file is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = errorMessage(error);
    if (stopsEarly(reason, text)) {
      throw invalid(`the file is truncated: its JSON stops before the end (${reason}), as after an interrupted download or copy; nothing was imported`, {
        cause: error,
      });
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
  const tables = data.tables.map((t) =>
    isRecord(t) && typeof t.name === 'string' && typeof t.schema === 'string' ? { name: t.name, schema: t.schema } : null,
  );
  if (tables.includes(null)) throw notOurs('its Dexie header lists a table without a name or schema');
  const fileTables = tables as { name: string; schema: string }[];

  const bankKeys = new Map(db.tables.map((t) => [t.name, t.schema.primKey.src]));
  const unknown = fileTables.filter((t) => !bankKeys.has(t.name));
  const namedLikeABank = data.databaseName === DB_NAME || data.databaseName === db.name;
  if (!namedLikeABank && (unknown.length > 0 || !fileTables.some((t) => t.name === 'memories'))) {
    throw notOurs(`this file is a Dexie export of database '${data.databaseName}' (tables: ${fileTables.map((t) => t.name).join(', ') || 'none'})`);
  }
  if (data.databaseVersion > db.verno) {
    throw invalid(
      `the file comes from a newer version of the app (bank schema version ${data.databaseVersion}; this app's is ${db.verno}); nothing was imported`,
    );
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
    if (entry.inbound !== true)
      throw invalid(`the file stores table '${entry.tableName}' with keys outside the rows, as no Memory-R1 export does; nothing was imported`);
    checkArraysBeforeRevival(entry.tableName, entry.rows);
    counts.set(entry.tableName, (counts.get(entry.tableName) ?? 0) + entry.rows.length);
  }
  return counts;
}

/**
 * For a file read only as a stream: what its header says each table holds (an export writes the exact counts,
 * `withRowCounts`), and whether it ends as a complete export does. Fewer rows read than the header says, or a cut
 * end, is a truncated file.
 */
async function streamedRowCounts(header: DexieExportJsonMeta, file: Blob): Promise<Map<string, number>> {
  const tail = (await file.slice(Math.max(0, file.size - 64)).text()).trimEnd();
  if (!tail.endsWith(']}}')) {
    throw invalid('the file is truncated: its JSON stops before the end, as after an interrupted download or copy; nothing was imported');
  }
  return new Map(header.data.tables.map((t) => [t.name, t.rowCount]));
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
  const rows = Object.fromEntries(USER_DATA_TABLES.map((t) => [t, []])) as unknown as FileRows;
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
        if (isUserDataTable(table)) rows[table].push(value);
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
    const read = isUserDataTable(table) ? rows[table].length : 0;
    if (read !== count) {
      throw invalid(`the file's table '${table}' has ${count} rows but ${read} could be read; nothing was imported`);
    }
  }
}

function namespacesOf(rows: ImportedRows): string[] {
  const namespaces = new Set<string>();
  for (const table of NAMESPACED_USER_DATA_TABLES) for (const row of rows[table]) namespaces.add(row.namespace);
  return [...namespaces].sort();
}

interface DimsExpectation {
  dims: number;
  /** Where the number comes from, for the message. */
  source: string;
}

/**
 * Retrieval compares every memory with every query, so all embeddings must have one size: the size of the
 * memories in the bank, or, in an empty bank, the size most of the file's memories have.
 */
async function expectedDims(db: MemoryDB, memories: readonly unknown[]): Promise<DimsExpectation | null> {
  const kept = await db.memories.toCollection().first();
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

function validateRows(rows: FileRows, dims: DimsExpectation | null): ImportedRows {
  const problems: ImportProblem[] = [];
  const valid = {} as Record<UserDataTable, unknown[]>;
  for (const table of USER_DATA_TABLES) {
    const keyField = table === 'settings' ? 'key' : 'id';
    const seen = new Set<string>();
    valid[table] = rows[table].map((row, index) => {
      const key = isRecord(row) && typeof row[keyField] === 'string' ? (row[keyField] as string) : null;
      const fail = (field: string, message: string) => problems.push({ table, index, id: key ? key.slice(0, 80) : null, field, message });
      const result = v.safeParse(ROW_SCHEMAS[table] as v.GenericSchema, row, { abortPipeEarly: true });
      if (!result.success) for (const issue of result.issues) fail(v.getDotPath(issue) ?? '(row)', issue.message);
      if (key !== null) {
        if (seen.has(key)) fail(keyField, `'${key.slice(0, 80)}' appears twice in the table`);
        seen.add(key);
      }
      if (table === 'memories' && dims && isRecord(row) && isFloat32Array(row.embedding) && row.embedding.length !== dims.dims) {
        fail('embedding', `has ${row.embedding.length} dimensions, but ${dims.source} ${dims.dims}`);
      }
      return row;
    });
  }
  if (problems.length > 0) throw invalidRows(problems);
  const out = valid as unknown as ImportedRows;
  return { ...out, memories: out.memories.map((m) => ({ ...m, embedding: compact(m.embedding) })) };
}

function invalidRows(problems: ImportProblem[]): BankImportError {
  const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map(describeProblem).join('; ');
  const more = problems.length > PROBLEMS_IN_MESSAGE ? `; and ${problems.length - PROBLEMS_IN_MESSAGE} more` : '';
  return invalid(`the file has ${problems.length} invalid field${problems.length === 1 ? '' : 's'}, so nothing was imported: ${shown}${more}`, { problems });
}

/** A memory's history in the order it happened: by time, then by position within a batch. */
export function historyOrder(a: { at: number; batchId: string; seq: number }, b: { at: number; batchId: string; seq: number }): number {
  return a.at - b.at || (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0) || a.seq - b.seq;
}

/**
 * The file's memories and their histories must agree, as the app writes them: a memory's history (when the file
 * has any) belongs to its namespace and ends in an ADD or UPDATE whose text is the memory's; a history that ends
 * in a DELETE has no memory row; one that ends in an ADD or UPDATE has one. A file edited by hand to say something
 * else is refused rather than half-believed.
 */
function checkHistoriesReplay(rows: ImportedRows): void {
  const problems: ImportProblem[] = [];
  const memories = new Map(rows.memories.map((m, index) => [m.id, { m, index }]));
  const histories = new Map<string, ImportedRows['memoryHistory']>();
  for (const h of rows.memoryHistory) {
    if (h.memoryId === null || h.op === 'NOOP') continue;
    const list = histories.get(h.memoryId) ?? [];
    list.push(h);
    histories.set(h.memoryId, list);
  }
  for (const [memoryId, list] of histories) {
    list.sort(historyOrder);
    const last = list[list.length - 1]!;
    const entry = memories.get(memoryId);
    const index = rows.memoryHistory.indexOf(last);
    const fail = (message: string) => problems.push({ table: 'memoryHistory', index, id: last.id, field: 'after', message });
    const foreign = list.find((h) => entry && h.namespace !== entry.m.namespace);
    if (foreign) fail(`is history of memory '${memoryId}' in namespace '${foreign.namespace}', but the memory is in '${entry!.m.namespace}'`);
    else if (last.op === 'DELETE' && entry) fail(`ends memory '${memoryId}' with a DELETE, but the file still has the memory`);
    else if (last.op !== 'DELETE' && !entry)
      fail(`ends memory '${memoryId}' with ${last.op} "${String(last.after).slice(0, 40)}", but the file has no such memory`);
    else if (last.op !== 'DELETE' && entry && last.after !== entry.m.text) {
      fail(`replays memory '${memoryId}' to "${String(last.after).slice(0, 40)}", but the memory says "${entry.m.text.slice(0, 40)}"`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map(describeProblem).join('; ');
    throw invalid(`the file's memories and their history disagree, so nothing was imported: ${shown}`, { problems });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  return typeof value;
}

function describeProblem(p: ImportProblem): string {
  return `${p.table}[${p.index}]${p.id ? ` (id '${p.id}')` : ''}: ${p.field} ${p.message}`;
}

export function quotaError(memories: number, cause: unknown): BankImportError {
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

function isUserDataTable(name: string): name is UserDataTable {
  return (USER_DATA_TABLES as readonly string[]).includes(name);
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
