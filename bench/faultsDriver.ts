/**
 * The fault harness's driver side (Node + Playwright), shared by `npm run bench:faults` and e2e/faults.spec.ts:
 * it applies generated batches through the app's own bank (`memoryR1.bank` on the app's page), kills the page at
 * random points while a big batch is being applied (reload, close, renderer crash), and keeps the independent
 * record of what it saw committed. The checker then compares the bank read back after each restart.
 */
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from '@playwright/test';
import { mulberry32 } from '../app/lib/seededRandom';
import { type BankCheck, checkBank } from '../app/memory/faults/checkBank';
import { CommitRecord } from '../app/memory/faults/commitRecord';
import { createBatchGenerator, type PlannedBatch } from '../app/memory/faults/opBatches';
import { dumpBankInPage, snapshotBankInPage } from './faultsPageCalls';

export type KillMode = 'reload' | 'close' | 'crash';
export const KILL_MODES: readonly KillMode[] = ['reload', 'close', 'crash'];

export async function bankReady(page: Page): Promise<void> {
  await page.waitForFunction(() => globalThis.memoryR1?.bank !== undefined, undefined, { timeout: 120_000 });
}

type ApplyOutcome = { ok: true; addedIds: string[]; ms: number } | { ok: false; error: string };

/**
 * Starts `plan` on the page's bank. The page computes each text's embedding itself (a hashed bag of words, so the
 * vectors carry meaning for search and cost nothing to send), keeps the promise on `globalThis.__faultBatch`,
 * and returns once IndexedDB has the transaction.
 */
async function startBatch(page: Page, plan: PlannedBatch): Promise<void> {
  await page.evaluate((plan) => {
    const embed = (text: string) => {
      const v = new Float32Array(384);
      for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
        let h = 0x811c9dc5;
        for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
        h >>>= 0;
        v[h % 384]! += h & 0x80000000 ? -1 : 1;
      }
      let norm = 0;
      for (const x of v) norm += x * x;
      if (norm === 0) v[0] = 1;
      return v;
    };
    const ops = plan.ops.map((op) => (op.op === 'DELETE' ? op : { ...op, embedding: embed(op.text) }));
    const t0 = performance.now();
    const state: { outcome: ApplyOutcome | null } = { outcome: null };
    (globalThis as { __faultBatch?: typeof state }).__faultBatch = state;
    globalThis
      .memoryR1!.bank.apply({
        namespace: plan.namespace,
        ops,
        candidateIds: plan.candidateIds,
        turnId: plan.tag,
        proposer: { model: 'faults', promptVersion: 'faults' },
      })
      .then(
        (r) => {
          state.outcome = r.ok
            ? { ok: true, addedIds: r.history.filter((h) => h.op === 'ADD').map((h) => h.memoryId!), ms: performance.now() - t0 }
            : { ok: false, error: r.errors.map((e) => `${e.index}: ${e.reason}`).join('; ') };
        },
        (e: unknown) => {
          state.outcome = { ok: false, error: e instanceof Error ? e.message : String(e) };
        },
      );
  }, plan);
}

async function batchOutcome(page: Page): Promise<ApplyOutcome | null> {
  return page.evaluate(() => (globalThis as { __faultBatch?: { outcome: ApplyOutcome | null } }).__faultBatch?.outcome ?? null);
}

async function awaitBatch(page: Page): Promise<ApplyOutcome> {
  const handle = await page.waitForFunction(
    () => (globalThis as { __faultBatch?: { outcome: ApplyOutcome | null } }).__faultBatch?.outcome ?? null,
    undefined,
    {
      timeout: 120_000,
      polling: 5,
    },
  );
  return (await handle.jsonValue()) as ApplyOutcome;
}

async function aliveIn(page: Page, namespace: string): Promise<Map<string, string>> {
  const snapshot = await snapshotBankInPage(page, namespace);
  return new Map(snapshot.memories.map((m) => [m.id, m.text]));
}

/** Kills the page the chosen way and returns a fresh page of the app with its bank open again. */
async function killAndRestart(context: BrowserContext, page: Page, mode: KillMode): Promise<Page> {
  if (mode === 'reload') {
    await page.reload();
    await bankReady(page);
    return page;
  }
  if (mode === 'crash') {
    // The renderer process dies as in an out-of-memory crash: no unload, no chance to finish anything.
    const session = await context.newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 30_000 });
    void session.send('Page.crash').catch(() => undefined);
    await crashed;
  }
  await page.close();
  const next = await context.newPage();
  await next.goto('/');
  await bankReady(next);
  return next;
}

export interface ReloadFaultOptions {
  reloads: number;
  seed: number;
  namespace: string;
  /** The killed batches' size range (ops). */
  bigOps: [number, number];
  /** Small batches applied and awaited before each kill (default 1). */
  smallPerRound?: number;
  log?: (line: string) => void;
}

export interface ReloadFaultResult {
  page: Page;
  record: CommitRecord;
  check: BankCheck;
  /** Per kill: whether the batch in flight was found whole in the bank afterwards. */
  landed: number;
  absent: number;
  batchesApplied: number;
  kills: Record<KillMode, number>;
}

/**
 * `reloads` rounds of: one small batch applied and awaited (it must survive every later fault), then one big
 * batch started and the page killed at a random point of it. After all rounds the bank is read back and checked
 * against the record; the per-round read-back also feeds the generator the memories that exist now.
 */
export async function runReloadFaults(context: BrowserContext, first: Page, options: ReloadFaultOptions): Promise<ReloadFaultResult> {
  const { namespace, log } = options;
  const rand = mulberry32(options.seed ^ 0x5bd1e995);
  const generator = createBatchGenerator(options.seed, namespace);
  const record = new CommitRecord();
  const kills: Record<KillMode, number> = { reload: 0, close: 0, crash: 0 };
  let page = first;
  let alive = await aliveIn(page, namespace);
  let batchesApplied = 0;

  const applyAndWait = async (plan: PlannedBatch): Promise<number> => {
    record.issued(plan.tag, plan.ops);
    await startBatch(page, plan);
    const outcome = await awaitBatch(page);
    if (!outcome.ok) throw new Error(`the bank refused a valid batch ${plan.tag}: ${outcome.error}`);
    record.committed(plan.tag);
    batchesApplied++;
    let a = 0;
    for (const op of plan.ops) {
      if (op.op === 'ADD') alive.set(outcome.addedIds[a++]!, op.text);
      else if (op.op === 'UPDATE') alive.set(op.id, op.text);
      else alive.delete(op.id);
    }
    return outcome.ms;
  };

  // How long a big batch takes here, so the kills land inside one (re-measured from every big batch that finishes).
  const bigMix = (n: number) => ({ minOps: n, maxOps: n, add: 0.7, update: 0.2, delete: 0.1 });
  const sizeOf = () => options.bigOps[0] + Math.floor(rand() * (options.bigOps[1] - options.bigOps[0] + 1));
  let msPerOp = (await applyAndWait(generator.next(alive, bigMix(options.bigOps[1])))) / options.bigOps[1];

  let landed = 0;
  let absent = 0;
  for (let i = 0; i < options.reloads; i++) {
    for (let s = 0; s < (options.smallPerRound ?? 1); s++) await applyAndWait(generator.next(alive, { minOps: 1, maxOps: 8 }));
    const plan = generator.next(alive, bigMix(sizeOf()));
    record.issued(plan.tag, plan.ops);
    await startBatch(page, plan);
    const expectedMs = msPerOp * plan.ops.length;
    await page.waitForTimeout(Math.round(rand() * expectedMs * 1.2));
    const seen = await batchOutcome(page);
    if (seen?.ok) {
      record.committed(plan.tag);
      msPerOp = 0.8 * msPerOp + (0.2 * seen.ms) / plan.ops.length;
    } else if (seen && !seen.ok) throw new Error(`the bank refused a valid batch ${plan.tag}: ${seen.error}`);
    const mode = KILL_MODES[i % KILL_MODES.length]!;
    kills[mode]++;
    page = await killAndRestart(context, page, mode);
    alive = await aliveIn(page, namespace);
    const rows = await page.evaluate((tag) => globalThis.memoryR1!.bank.db.memoryHistory.where('turnId').equals(tag).count(), plan.tag);
    if (rows > 0) landed++;
    else absent++;
    batchesApplied++;
    log?.(
      `kill ${i + 1}/${options.reloads} (${mode}) after ${seen?.ok ? 'commit' : 'start'} of ${plan.ops.length} ops: ${rows === plan.ops.length ? 'whole' : rows === 0 ? 'absent' : `${rows} rows (PARTIAL)`}`,
    );
  }
  const check = checkBank(await snapshotBankInPage(page, namespace), record.all());
  return { page, record, check, landed, absent, batchesApplied, kills };
}

export interface QuotaFaultResult {
  /** What the bank said when a batch of the Memory Manager's kind did not fit. */
  batchMessage: string;
  /** What the UI said when an imported file did not fit. */
  importMessage: string;
  /** The bank byte-identical across both refused writes. */
  unchangedByBatch: boolean;
  unchangedByImport: boolean;
  /** A small batch that fits still commits afterwards. */
  smallWriteOk: boolean;
  check: BankCheck;
}

/** The model panels are on the Chat view, export/import on the Settings view. */
async function view(page: Page, name: 'Chat' | 'Memory bank' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).click();
}

/**
 * Storage full. Chromium reads an origin's quota when its storage is first opened, so the quota is cut (DevTools
 * Protocol `Storage.overrideQuotaForOrigin`) on a page of the origin that opens none, before the app starts.
 * Then: earlier memories are written; a batch too big for what is left must fail with the bank's "Storage is
 * full" and write nothing; an import too big must fail in the UI with its message and write nothing; a small
 * batch still commits; the checker finds every committed batch and nothing else.
 */
export async function runQuotaFault(context: BrowserContext, page: Page, quotaBytes = 3_000_000): Promise<QuotaFaultResult> {
  await page.goto('/models/quota-probe-opens-no-storage');
  const origin = new URL(page.url()).origin;
  const session = await context.newCDPSession(page);
  await session.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: quotaBytes });
  try {
    await page.goto('/');
    await bankReady(page);
    const namespace = 'user:quota';
    const generator = createBatchGenerator(31, namespace, 'quota');
    const record = new CommitRecord();
    const alive = new Map<string, string>();
    const apply = async (plan: PlannedBatch) => {
      record.issued(plan.tag, plan.ops);
      await startBatch(page, plan);
      const outcome = await awaitBatch(page);
      if (outcome.ok) {
        record.committed(plan.tag);
        let a = 0;
        for (const op of plan.ops) if (op.op === 'ADD') alive.set(outcome.addedIds[a++]!, op.text);
      }
      return outcome;
    };
    for (let i = 0; i < 3; i++) {
      const earlier = await apply(generator.next(alive, { minOps: 5, maxOps: 5, add: 1, update: 0, delete: 0 }));
      if (!earlier.ok) throw new Error(`the earlier data did not fit under a ${quotaBytes}-byte quota: ${earlier.error}`);
    }
    // The lexical index's debounced save (2 s) lands before the bank is compared.
    await page.waitForTimeout(2500);
    const before = await dumpBankInPage(page);

    const big = await apply(generator.next(alive, { minOps: 3000, maxOps: 3000, add: 1, update: 0, delete: 0 }));
    const batchMessage = big.ok ? 'the batch was written' : big.error;
    const unchangedByBatch = (await dumpBankInPage(page)) === before;

    // A valid export of this bank, grown to 3000 memories: a file the bank would take if it had the room.
    await view(page, 'Settings');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export bank' }).click();
    const exported = JSON.parse(await readFile(await (await download).path(), 'utf8')) as {
      data: { tables: { name: string; rowCount: number }[]; data: { tableName: string; rows: Record<string, unknown>[] }[] };
    };
    const memories = exported.data.data.find((d) => d.tableName === 'memories')!;
    const template = memories.rows[0]!;
    // Added beside the bank's own rows: the file's history must still replay to its memories.
    memories.rows = [
      ...memories.rows,
      ...Array.from({ length: 3000 }, (_, i) => ({ ...template, id: `imported-${i}`, text: `Imported fact number ${i} about Alice's garden` })),
    ];
    for (const t of exported.data.tables) if (t.name === 'memories') t.rowCount = memories.rows.length;
    await page.getByTestId('import-file').setInputFiles({ name: 'big-bank.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
    // The import is reviewed first; the write is what does not fit.
    await page.getByTestId('import-apply').click({ timeout: 120_000 });
    const problem = page.getByTestId('data-problem');
    await problem.waitFor({ timeout: 120_000 });
    const importMessage = (await problem.textContent()) ?? '';
    const unchangedByImport = (await dumpBankInPage(page)) === before;

    const small = await apply(generator.next(alive, { minOps: 2, maxOps: 2, add: 1, update: 0, delete: 0 }));
    const check = checkBank(await snapshotBankInPage(page, namespace), record.all());
    return { batchMessage, importMessage, unchangedByBatch, unchangedByImport, smallWriteOk: small.ok, check };
  } finally {
    await session.send('Storage.overrideQuotaForOrigin', { origin }).catch(() => undefined);
    await session.detach().catch(() => undefined);
  }
}

/**
 * Makes every Worker the page starts reachable from the test (`globalThis.__workers`), so a test can terminate
 * the chat engine's own worker (wllama starts it from a blob: URL) the way a crash would end it.
 */
export async function exposeWorkers(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `(() => {
      const Native = globalThis.Worker;
      globalThis.__workers = [];
      globalThis.Worker = class extends Native {
        constructor(url, options) {
          super(url, options);
          globalThis.__workers.push({ url: String(url), worker: this });
        }
      };
    })();`,
  });
}

/** Workers the page has started so far (mark before an engine loads, to find its worker afterwards). */
export async function workerCount(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __workers: unknown[] }).__workers.length);
}

/**
 * Terminates the workers started from blob: URLs (wllama's way: its engine worker, and its cache's file worker)
 * between positions `from` and `to` of the page's list: mark before and after loading the chat model alone.
 */
export async function terminateEngineWorkers(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    ([from, to]) => {
      const workers = (globalThis as unknown as { __workers: { url: string; worker: Worker }[] }).__workers
        .slice(from, to)
        .filter((w) => w.url.startsWith('blob:'));
      for (const w of workers) w.worker.terminate();
      return workers.length;
    },
    [from, to] as const,
  );
}
