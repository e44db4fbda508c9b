/**
 * npm run bench:faults [-- --reloads 200 --soak-memories 10000 --soak-batches 1000 --imports 1000 --replies 1000
 *                         --durability-batches 300 --seed 1]
 *
 * The memory bank under faults, load and hostile input, in Debian's Chromium on the app's own code (Vite dev
 * server, real IndexedDB), every part checked against an independent record of what was committed:
 * - kills: the page reloaded, closed or its renderer crashed at a random point of a big batch, `--reloads` times;
 * - soak: `--soak-memories` memories, then `--soak-batches` mixed batches; the p95 apply time of the last 100
 *   batches over the first 100, and search results against a from-scratch rebuild of both indexes;
 * - durability: the same batches on banks opened with each IndexedDB durability hint (default, relaxed, strict);
 * - storage full: a batch and an import that do not fit (DevTools quota override);
 * - hostile input: malformed bank files through importBank and malformed model replies through the Memory Manager;
 * - import conflicts: an older export imported back into a bank that moved on, and a file with the bank's ids
 *   under another namespace (`--conflict-rounds`), with the import's default choice;
 * - the local OpenAI-compatible server: requests from foreign origins, without the token, with a foreign Host;
 * - engine loss: see e2e/faults.spec.ts (it needs the chat model; the bench leaves it to the e2e run).
 * Last line: `faults reloads=<n> half_applied=<n> lost=<n> soak_p95_growth=<x> bad_inputs=<n> accepted_bad=<n>
 * import_overwritten_silently=<n> resurrected=<n> cross_namespace_moves=<n> server_foreign_origin_allowed=<n>`.
 */
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';
import { startOpenAIServer } from '../scripts/openai-server';
import { openBrowserBench } from './browserBench';
import { bankReady, runQuotaFault, runReloadFaults } from './faultsDriver';
import type { FaultsPageApi } from './faultsPage';

const { values } = parseArgs({
  options: {
    reloads: { type: 'string', default: '200' },
    'soak-memories': { type: 'string', default: '10000' },
    'soak-batches': { type: 'string', default: '1000' },
    imports: { type: 'string', default: '1000' },
    replies: { type: 'string', default: '1000' },
    'durability-batches': { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'conflict-rounds': { type: 'string', default: '20' },
  },
});
const n = (key: keyof typeof values) => Math.max(0, Number(values[key]));
const seed = n('seed');

/**
 * The app's production build served as `vite preview` serves it: a page of it loads in a fraction of the dev
 * server's time, which is what 200 restarts cost. Models from /models/, as in the e2e build.
 */
async function servedBuild(): Promise<{ origin: string; close(): Promise<void> }> {
  const root = path.resolve(import.meta.dirname, '..');
  const outDir = path.join(root, 'dist-e2e-faults');
  process.env.VITE_MODEL_BASE_URL = '/models/';
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, strictPort: false },
  });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  return { origin: `http://localhost:${port}`, close: () => server.close() };
}

/**
 * The local server as a hostile web page would try it: every request from an origin it was not started for, or
 * without its token, or under another Host name, must be refused without CORS headers. Counts what got through.
 */
async function runServerCases(): Promise<{ tried: number; foreignOriginAllowed: number; unauthenticatedAllowed: number; foreignHostAllowed: number }> {
  const server = await startOpenAIServer({ port: 0 });
  const auth = { authorization: `Bearer ${server.token}` };
  const chat = JSON.stringify({ messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 1 });
  const foreign = [
    'https://evil.example',
    'http://localhost:5174',
    'null',
    'http://127.0.0.1.evil.example',
    'http://localhost:5173.evil.example',
    'http://LOCALHOST:5173',
  ];
  let tried = 0;
  let foreignOriginAllowed = 0;
  let unauthenticatedAllowed = 0;
  let foreignHostAllowed = 0;
  const through = (res: Response) => res.ok || res.headers.get('access-control-allow-origin') !== null;
  try {
    for (const origin of foreign) {
      const requests: RequestInit[] = [
        { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' } },
        { method: 'GET', headers: { origin, ...auth } },
        { method: 'POST', headers: { origin, ...auth, 'content-type': 'application/json' }, body: chat },
      ];
      for (const init of requests) {
        tried++;
        const res = await fetch(`${server.url}/${init.method === 'GET' ? 'models' : 'chat/completions'}`, init);
        await res.arrayBuffer();
        if (through(res)) foreignOriginAllowed++;
      }
    }
    for (const headers of [{ origin: server.allowedOrigins[0]! }, {}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      tried++;
      const res = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: chat });
      await res.arrayBuffer();
      if (res.ok) unauthenticatedAllowed++;
    }
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1.nip.io:${server.port}`]) {
      tried++;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, path: '/v1/models', headers: { ...auth, host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      if (status < 400) foreignHostAllowed++;
    }
  } finally {
    await server.close();
  }
  return { tried, foreignOriginAllowed, unauthenticatedAllowed, foreignHostAllowed };
}

async function main() {
  const bench = await openBrowserBench();
  const app = await servedBuild();
  let halfApplied = 0;
  let lost = 0;
  let badInputs = 0;
  let acceptedBad = 0;
  let growth = Number.NaN;
  const failures: string[] = [];
  const conflicts = { overwrittenSilently: -1, resurrected: -1, crossNamespaceMoves: -1 };
  let serverForeignOriginAllowed = -1;
  try {
    const context = await bench.browser.newContext({ baseURL: app.origin });
    context.setDefaultTimeout(600_000);
    // tsx compiles the driver with esbuild's keepNames, which wraps functions inside page.evaluate in __name().
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });

    // Kills mid-batch.
    const t0 = Date.now();
    let page = await context.newPage();
    await page.goto('/');
    await bankReady(page);
    const kills = await runReloadFaults(context, page, {
      reloads: n('reloads'),
      seed,
      namespace: `faults:bench:${Date.now()}`,
      bigOps: [200, 1000],
      log: (line) => {
        if (/PARTIAL/.test(line) || /\b(1|50|100|150|200)\//.test(line)) console.log(`  ${line}`);
      },
    });
    page = kills.page;
    halfApplied += kills.check.halfApplied;
    lost += kills.check.lost;
    console.log(
      `kills: ${n('reloads')} (${Object.entries(kills.kills)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${kills.batchesApplied} batches, ${kills.record.count('committed')} seen committed; ` +
        `batch in flight found whole ${kills.landed}, absent ${kills.absent}; half-applied ${kills.check.halfApplied}, lost ${kills.check.lost} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
    for (const p of kills.check.problems.slice(0, 5)) console.log(`  PROBLEM ${p.kind}: ${p.detail}`);
    if (kills.absent === 0) failures.push('no kill hit a batch in flight');
    await page.close();

    // Storage full, in a context of its own: Chromium reads the quota when the origin's storage is first opened.
    const quotaContext = await bench.browser.newContext({ baseURL: app.origin });
    await quotaContext.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    const quotaPage = await quotaContext.newPage();
    const quota = await runQuotaFault(quotaContext, quotaPage);
    halfApplied += quota.check.halfApplied;
    lost += quota.check.lost;
    const quotaOk =
      /^Storage is full: .*nothing of it was written/.test(quota.batchMessage) &&
      /not enough storage to import/.test(quota.importMessage) &&
      quota.unchangedByBatch &&
      quota.unchangedByImport &&
      quota.smallWriteOk;
    console.log(
      `storage full: batch refused ("${quota.batchMessage.slice(0, 90)}…"), import refused in the UI ("${quota.importMessage.slice(0, 90)}…"), bank unchanged ${quota.unchangedByBatch && quota.unchangedByImport}, a small batch still fits ${quota.smallWriteOk}`,
    );
    if (!quotaOk) failures.push('storage-full run');
    await quotaContext.close();

    // In-page parts: soak, durability, hostile input.
    const faultsPage = await context.newPage();
    await faultsPage.goto(`${bench.origin}/bench/faults.html`);
    await faultsPage.waitForFunction(() => document.title === 'ready');
    const call = <K extends keyof FaultsPageApi>(name: K, ...args: Parameters<FaultsPageApi[K]>) =>
      faultsPage.evaluate(([name, args]) => (globalThis as unknown as { faults: Record<string, (...a: unknown[]) => unknown> }).faults[name]!(...args), [
        name,
        args,
      ] as const) as ReturnType<FaultsPageApi[K]>;

    const t1 = Date.now();
    const soak = await call('runSoak', seed, n('soak-memories'), n('soak-batches'));
    growth = soak.growth;
    halfApplied += soak.halfApplied;
    lost += soak.lost;
    console.log(
      `soak: ${n('soak-memories')} memories then ${soak.batches} batches (${soak.memories} memories at the end); apply p95 first 100 ${soak.firstP95Ms.toFixed(1)} ms, last 100 ${soak.lastP95Ms.toFixed(1)} ms, median ${soak.medianMs.toFixed(1)} ms; ` +
        `half-applied ${soak.halfApplied}, lost ${soak.lost}; ${soak.queries} queries vs a from-scratch index: ${soak.indexMismatches} differ (${((Date.now() - t1) / 1000).toFixed(0)} s)`,
    );
    for (const p of soak.problems) console.log(`  PROBLEM ${p.kind}: ${p.detail}`);
    if (soak.mismatchExample) console.log(`  e.g. ${soak.mismatchExample}`);
    if (soak.indexMismatches > 0) failures.push('soak search differs from a rebuilt index');

    if (n('durability-batches') > 0) {
      const durability = await call('runDurability', seed, Math.min(2000, n('soak-memories')), n('durability-batches'));
      const base = durability.find((d) => d.mode === 'default')!;
      console.log(
        `durability (${base.batches} batches each on ${Math.min(2000, n('soak-memories'))}-memory banks, interleaved): mode, median ms, p95 ms, mean ms, mean over default`,
      );
      for (const d of durability)
        console.log(
          `  ${d.mode.padEnd(8)} ${d.medianMs.toFixed(1).padStart(7)} ${d.p95Ms.toFixed(1).padStart(7)} ${d.meanMs.toFixed(1).padStart(7)} ${(d.meanMs / base.meanMs).toFixed(2).padStart(6)}`,
        );
    }

    for (const [label, name, count] of [
      ['malformed bank files', 'runHostileImports', n('imports')],
      ['malformed model replies', 'runHostileReplies', n('replies')],
    ] as const) {
      const t = Date.now();
      const r = await call(name, count, seed);
      badInputs += r.tried;
      acceptedBad += r.accepted + r.changed;
      console.log(
        `${label}: ${r.tried} tried (${Object.keys(r.kinds).length} kinds), ${r.rejected} rejected with a reason, ${r.accepted} accepted, ${r.changed} changed the bank (${((Date.now() - t) / 1000).toFixed(0)} s)`,
      );
      for (const e of r.examples.slice(0, 6)) console.log(`  ${e}`);
    }

    const t2 = Date.now();
    const c = await call('runImportConflicts', n('conflict-rounds'), seed);
    Object.assign(conflicts, c);
    console.log(
      `import conflicts: ${c.rounds} rounds of an older export and a file with the bank's ids in another namespace; kept the bank's newer version ${c.keptBank}, left deleted ${c.notRestored}, refused ${c.refused} rows; ` +
        `overwritten silently ${c.overwrittenSilently}, resurrected ${c.resurrected}, moved across namespaces ${c.crossNamespaceMoves} (${((Date.now() - t2) / 1000).toFixed(0)} s)`,
    );
    if (c.keptBank === 0 || c.notRestored === 0 || c.refused === 0) failures.push('the import-conflict rounds exercised no conflict');

    const server = await runServerCases();
    serverForeignOriginAllowed = server.foreignOriginAllowed;
    console.log(
      `local server: ${server.tried} hostile requests; foreign origin allowed ${server.foreignOriginAllowed}, without the token allowed ${server.unauthenticatedAllowed}, foreign Host allowed ${server.foreignHostAllowed}`,
    );
    if (server.unauthenticatedAllowed + server.foreignHostAllowed > 0)
      failures.push('the local server answered a request without its token or under another Host');
  } finally {
    await bench.close();
    await app.close();
  }
  if (failures.length > 0) console.log(`FAILED: ${failures.join('; ')}`);
  console.log(
    `faults reloads=${n('reloads')} half_applied=${halfApplied} lost=${lost} soak_p95_growth=${growth.toFixed(2)} bad_inputs=${badInputs} accepted_bad=${acceptedBad} ` +
      `import_overwritten_silently=${conflicts.overwrittenSilently} resurrected=${conflicts.resurrected} cross_namespace_moves=${conflicts.crossNamespaceMoves} server_foreign_origin_allowed=${serverForeignOriginAllowed}`,
  );
  const breaches = conflicts.overwrittenSilently + conflicts.resurrected + conflicts.crossNamespaceMoves + serverForeignOriginAllowed;
  if (failures.length > 0 || halfApplied + lost + acceptedBad > 0 || breaches !== 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
