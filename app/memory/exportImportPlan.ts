/**
 * Import as a reviewed merge: a checked file (exportImport.ts `readBankFile`) is compared with the bank row by row,
 * the user sees what importing it would do, and only what they chose is written.
 *
 * Nothing is overwritten silently and nothing comes back by accident:
 * - a memory in both, differing, keeps the newer version by `updatedAt` unless the user picks the other;
 * - a memory the bank's history says was DELETEd is not brought back unless the user asks for it;
 * - a row whose id the bank holds in another namespace is refused (ids never move between namespaces);
 * - history, turns, chats, events and evaluation runs are logs: rows the bank lacks are added, rows it has are
 *   kept as they are, and a memory's file history is only added with the file's version of that memory;
 * - the plan is checked again inside the write transaction: if the bank changed since the review (another tab,
 *   the chat), the import is refused and must be reviewed again.
 */
import type { Table } from 'dexie';
import type { MemoryDB, UserDataTable } from './db';
import { USER_DATA_TABLES } from './db';
import { type BankFile, BankImportError, errorMessage, historyOrder, quotaError, readBankFile } from './exportImport';
import { type ImportedRows, isFloat32Array, portableSetting } from './exportImportSchemas';
import { isQuotaError } from './memoryBankError';
import type { MemoryRecord } from './types';

/** What importing one of the file's memories would do. */
export type MemoryVerdict =
  /** The bank has no memory with this id and never had one. */
  | 'new'
  /** The bank has exactly this memory. */
  | 'identical'
  /** Both have it, differing; the file's was updated later. */
  | 'file-newer'
  /** Both have it, differing; the bank's was updated later (or at the same time). */
  | 'bank-newer'
  /** The bank's history says it was deleted here: importing it would bring it back. */
  | 'deleted-here'
  /** The bank has this id in another namespace: refused. */
  | 'other-namespace';

export const MEMORY_VERDICTS: readonly MemoryVerdict[] = ['new', 'identical', 'file-newer', 'bank-newer', 'deleted-here', 'other-namespace'];

export interface MemoryReview {
  id: string;
  namespace: string;
  verdict: MemoryVerdict;
  file: MemoryRecord;
  /** The bank's version (null for new, deleted-here). */
  bank: MemoryRecord | null;
  /** For other-namespace: where the bank has the id. */
  bankNamespace: string | null;
  /** Taken by default: new memories and those newer in the file. */
  takeByDefault: boolean;
  /** Whether the user may change it (identical and other-namespace rows are never written). */
  choosable: boolean;
}

/** What importing the rows of a table other than memories would do. */
export interface RowCounts {
  new: number;
  identical: number;
  /** The bank has a different row under the same key: the bank's is kept. */
  differing: number;
  /** The bank has the id in another namespace: refused. */
  otherNamespace: number;
  /** Rows not imported for another reason (a setting that is not portable; history of a memory not taken). */
  skipped: number;
}

export type LogTable = Exclude<UserDataTable, 'memories'>;

export interface ImportPlan {
  file: BankFile;
  namespaces: string[];
  memories: MemoryReview[];
  memoryCounts: Record<MemoryVerdict, number>;
  /** Counts for the other tables, assuming the default choice of memories. */
  tables: Record<LogTable, RowCounts>;
  /** Setting keys in the file that an import never reads (device-only, derived caches, unknown). */
  skippedSettings: string[];
}

export interface ImportChoice {
  /** Ids of the file's memories to write. Default: the plan's `takeByDefault` ones. Others are ignored. */
  take?: Iterable<string>;
}

export interface ImportSummary {
  /** Memories written from the file, by what they were. */
  memories: { added: number; replaced: number; restored: number; keptBank: number; identical: number; refused: number; notRestored: number };
  /** Rows added per other table (the bank's own rows are never changed). */
  added: Record<LogTable, number>;
  /** Rows the bank already had differently, and kept, per table. */
  keptBank: Record<LogTable, number>;
  refusedOtherNamespace: number;
  skippedSettings: string[];
  namespaces: string[];
}

const LOG_TABLES = USER_DATA_TABLES.filter((t): t is LogTable => t !== 'memories');

/** Reads and checks the file, then compares it with the bank; writes nothing. */
export async function planImport(db: MemoryDB, file: Blob): Promise<ImportPlan> {
  const bankFile = await readBankFile(db, file);
  return db.transaction(
    'r',
    USER_DATA_TABLES.map((t) => tableOf(db, t)),
    () => comparePlan(db, bankFile),
  );
}

/** Writes what the user chose, in one transaction, after checking the bank still is as the plan saw it. */
export async function applyImport(db: MemoryDB, plan: ImportPlan, choice: ImportChoice = {}): Promise<ImportSummary> {
  const take = new Set(choice.take ?? plan.memories.filter((m) => m.takeByDefault).map((m) => m.id));
  try {
    return await db.transaction(
      'rw',
      USER_DATA_TABLES.map((t) => tableOf(db, t)),
      async () => {
        const now = await comparePlan(db, plan.file);
        const changed = now.memories.find((m, i) => m.verdict !== plan.memories[i]!.verdict);
        if (changed || JSON.stringify(now.tables) !== JSON.stringify(plan.tables)) {
          throw new BankImportError(
            `the bank changed since this import was reviewed${changed ? ` (memory '${changed.id}' is now ${changed.verdict})` : ''}; nothing was imported. Review the import again.`,
            'invalid',
          );
        }
        return write(db, plan, take, now.rowVerdicts);
      },
    );
  } catch (error) {
    if (error instanceof BankImportError) throw error;
    if (isQuotaError(error)) throw quotaError(take.size, error);
    throw new BankImportError(`writing the import failed, so nothing was imported: ${errorMessage(error)}`, 'storage', { cause: error });
  }
}

/** The whole review with its default choice: for scripts, tests and the fault harness. */
export async function importBank(db: MemoryDB, file: Blob): Promise<ImportSummary> {
  return applyImport(db, await planImport(db, file));
}

/** A sentence for the UI: what an import did, nothing left out. */
export function describeImport(s: ImportSummary): string {
  const m = s.memories;
  const written = m.added + m.replaced + m.restored;
  const others = LOG_TABLES.filter((t) => t !== 'memoryHistory' && t !== 'turns' && s.added[t] > 0).map((t) => `${s.added[t]} ${TABLE_LABELS[t]}`);
  let text = `Imported ${written} ${written === 1 ? 'memory' : 'memories'}, ${s.added.memoryHistory} history rows and ${s.added.turns} turns${others.length ? ` (and ${others.join(', ')})` : ''}`;
  const parts = [`${m.added} new`];
  if (m.replaced) parts.push(`${m.replaced} replaced by the file's newer version`);
  if (m.restored) parts.push(`${m.restored} deleted here restored`);
  if (m.keptBank) parts.push(`kept ${m.keptBank} of yours that differ from the file`);
  if (m.notRestored) parts.push(`left ${m.notRestored} deleted here deleted`);
  if (m.identical) parts.push(`${m.identical} already identical`);
  if (s.refusedOtherNamespace)
    parts.push(`refused ${s.refusedOtherNamespace} ${s.refusedOtherNamespace === 1 ? 'row' : 'rows'} whose id is in another namespace here`);
  text += ` (${parts.join(', ')}).`;
  const kept = LOG_TABLES.reduce((n, t) => n + s.keptBank[t], 0);
  if (kept) text += ` Kept ${kept} of your rows that the file has differently.`;
  if (s.skippedSettings.length)
    text += ` Skipped ${s.skippedSettings.length} setting${s.skippedSettings.length === 1 ? '' : 's'} that an import never reads (${s.skippedSettings.slice(0, 3).join(', ')}).`;
  return text;
}

export const TABLE_LABELS: Record<LogTable, string> = {
  memoryHistory: 'history rows',
  turns: 'turns',
  conversations: 'chats',
  opEvents: 'operation events',
  settings: 'settings',
  evalRuns: 'evaluation runs',
};

// ---------------------------------------------------------------------------------------------------------------

interface Comparison {
  memories: MemoryReview[];
  tables: Record<LogTable, RowCounts>;
  /** Per log table, what each row is; keyed like the file's rows. */
  rowVerdicts: Record<LogTable, RowVerdict[]>;
}

type RowVerdict = 'new' | 'identical' | 'differing' | 'other-namespace' | 'skipped' | 'with-memory';

async function comparePlan(db: MemoryDB, file: BankFile): Promise<ImportPlan & { rowVerdicts: Comparison['rowVerdicts'] }> {
  const { rows } = file;
  const memories = await reviewMemories(db, rows.memories);
  const taken = new Map(memories.map((m) => [m.id, m]));
  const tables = {} as Record<LogTable, RowCounts>;
  const rowVerdicts = {} as Record<LogTable, RowVerdict[]>;
  const skippedSettings: string[] = [];
  for (const table of LOG_TABLES) {
    const fileRows = rows[table] as readonly Record<string, unknown>[];
    const keyField = table === 'settings' ? 'key' : 'id';
    const bankRows = (await tableOf(db, table).bulkGet(fileRows.map((r) => r[keyField] as string))) as (Record<string, unknown> | undefined)[];
    const counts: RowCounts = { new: 0, identical: 0, differing: 0, otherNamespace: 0, skipped: 0 };
    rowVerdicts[table] = fileRows.map((row, i) => {
      const bank = bankRows[i];
      let verdict: RowVerdict;
      if (table === 'settings' && !portableSetting(row.key as string)) {
        skippedSettings.push(row.key as string);
        verdict = 'skipped';
      } else if (bank && 'namespace' in row && bank.namespace !== row.namespace) verdict = 'other-namespace';
      else if (bank) verdict = sameRow(bank, row) ? 'identical' : 'differing';
      else if (table === 'memoryHistory') verdict = historyVerdict(row as ImportedRows['memoryHistory'][number], taken);
      else verdict = 'new';
      counts[verdict === 'other-namespace' ? 'otherNamespace' : verdict === 'with-memory' ? 'new' : verdict] += 1;
      return verdict;
    });
    tables[table] = counts;
  }
  const memoryCounts = Object.fromEntries(MEMORY_VERDICTS.map((v) => [v, memories.filter((m) => m.verdict === v).length])) as Record<MemoryVerdict, number>;
  return { file, namespaces: file.namespaces, memories, memoryCounts, tables, skippedSettings, rowVerdicts };
}

/**
 * A history row the bank lacks: a memory's row goes in with the file's version of that memory (`with-memory`,
 * decided at write time by the user's choice); history of a memory the file no longer has (deleted there) is added
 * only when the bank does not hold that memory, since it would claim a deletion the bank never saw.
 */
function historyVerdict(row: ImportedRows['memoryHistory'][number], reviews: ReadonlyMap<string, MemoryReview>): RowVerdict {
  if (row.memoryId === null) return 'new';
  const review = reviews.get(row.memoryId);
  if (review) return review.verdict === 'identical' ? 'new' : review.verdict === 'other-namespace' ? 'other-namespace' : 'with-memory';
  return 'with-memory';
}

async function reviewMemories(db: MemoryDB, fileMemories: readonly MemoryRecord[]): Promise<MemoryReview[]> {
  const ids = fileMemories.map((m) => m.id);
  const bank = await db.memories.bulkGet(ids);
  const absent = ids.filter((_, i) => !bank[i]);
  // Ids the bank has no memory for may still have a history here: deleted, perhaps in another namespace.
  const lastHere = new Map<string, { op: string; namespace: string; at: number; batchId: string; seq: number }>();
  if (absent.length > 0) {
    await db.memoryHistory
      .where('memoryId')
      .anyOf(absent)
      .each((h) => {
        if (h.op === 'NOOP' || h.memoryId === null) return;
        const seen = lastHere.get(h.memoryId);
        if (!seen || historyOrder(seen, h) < 0) lastHere.set(h.memoryId, h);
      });
  }
  return fileMemories.map((file, i) => {
    const here = bank[i] ?? null;
    let verdict: MemoryVerdict;
    let bankNamespace: string | null = null;
    if (here && here.namespace !== file.namespace) [verdict, bankNamespace] = ['other-namespace', here.namespace];
    else if (here) verdict = sameRow(here, file) ? 'identical' : file.updatedAt > here.updatedAt ? 'file-newer' : 'bank-newer';
    else {
      const last = lastHere.get(file.id);
      if (last && last.namespace !== file.namespace) [verdict, bankNamespace] = ['other-namespace', last.namespace];
      else verdict = last?.op === 'DELETE' ? 'deleted-here' : 'new';
    }
    return {
      id: file.id,
      namespace: file.namespace,
      verdict,
      file,
      bank: here && verdict !== 'other-namespace' ? here : null,
      bankNamespace,
      takeByDefault: verdict === 'new' || verdict === 'file-newer',
      choosable: verdict === 'new' || verdict === 'file-newer' || verdict === 'bank-newer' || verdict === 'deleted-here',
    };
  });
}

async function write(db: MemoryDB, plan: ImportPlan, take: ReadonlySet<string>, rowVerdicts: Comparison['rowVerdicts']): Promise<ImportSummary> {
  const inFile = new Set(plan.memories.map((m) => m.id));
  const summary: ImportSummary = {
    memories: { added: 0, replaced: 0, restored: 0, keptBank: 0, identical: 0, refused: 0, notRestored: 0 },
    added: Object.fromEntries(LOG_TABLES.map((t) => [t, 0])) as Record<LogTable, number>,
    keptBank: Object.fromEntries(LOG_TABLES.map((t) => [t, 0])) as Record<LogTable, number>,
    refusedOtherNamespace: 0,
    skippedSettings: plan.skippedSettings,
    namespaces: plan.namespaces,
  };
  const written = new Set<string>();
  const toPut: MemoryRecord[] = [];
  for (const m of plan.memories) {
    const chosen = m.choosable && take.has(m.id);
    if (chosen) {
      toPut.push(m.file);
      written.add(m.id);
    }
    if (m.verdict === 'identical') summary.memories.identical += 1;
    else if (m.verdict === 'other-namespace') summary.memories.refused += 1;
    else if (m.verdict === 'new') summary.memories.added += chosen ? 1 : 0;
    else if (m.verdict === 'deleted-here') summary.memories[chosen ? 'restored' : 'notRestored'] += 1;
    else summary.memories[chosen ? 'replaced' : 'keptBank'] += 1;
  }
  summary.refusedOtherNamespace += summary.memories.refused;
  await db.memories.bulkPut(toPut);

  const liveHere = new Set<string>();
  const deletedInFile = plan.file.rows.memoryHistory.flatMap((h) => (h.memoryId && !inFile.has(h.memoryId) ? [h.memoryId] : []));
  if (deletedInFile.length) for (const m of await db.memories.bulkGet([...new Set(deletedInFile)])) if (m) liveHere.add(m.id);

  for (const table of LOG_TABLES) {
    const fileRows = plan.file.rows[table] as readonly Record<string, unknown>[];
    const verdicts = rowVerdicts[table];
    const rows = fileRows.filter((row, i) => {
      const verdict = verdicts[i];
      if (verdict === 'differing') summary.keptBank[table] += 1;
      if (verdict === 'other-namespace') summary.refusedOtherNamespace += 1;
      if (verdict === 'new') return true;
      if (verdict !== 'with-memory') return false;
      const memoryId = row.memoryId as string;
      return inFile.has(memoryId) ? written.has(memoryId) : !liveHere.has(memoryId);
    });
    summary.added[table] = rows.length;
    if (rows.length) await tableOf(db, table).bulkAdd(rows);
  }
  return summary;
}

/** The table as the bank's own property (what a test's spy on `db.turns` sees; `db.table()` builds another object). */
function tableOf(db: MemoryDB, name: UserDataTable): Table {
  return (db as unknown as Record<UserDataTable, Table>)[name];
}

/** Row equality as stored: key order does not matter, typed arrays compare by their bytes. */
export function sameRow(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (isFloat32Array(v)) return { f32: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    return v;
  });
}
