/**
 * npm run bench:prefix [-- --engine wllama|node --turns 20]
 *
 * Replays the first N turns of LoCoMo (locomo-dev.json, first conversation) through the app's Memory Manager with
 * the pinned test model (SmolLM2-135M-Instruct Q4_1), twice on a freshly loaded engine: with the prompt cache on
 * (cache_prompt true, the prompts' stable-prefix-first layout, one cache per agent stage) and with it off
 * (`CompletionOptions.cachePrompt: false`: llama.cpp's cache_prompt false in wllama, a cleared context sequence
 * before each call in node-llama-cpp). Same prompts, same order; processTurn alternates the fact-extraction and
 * memory-update prompts, so the run also shows whether one stage's prefix survives the other's call.
 * wllama runs in headless Chromium (Vite dev server, COOP/COEP, all cores); node-llama-cpp in Node.
 * Prints every call (stage, prompt tokens, cached tokens, wall ms) and, last:
 *   prefix cached_ratio=<cached/prompt, cached run> manager_wall_ratio=<cached run / uncached run, model calls>
 * Ratios from this one run; never assertions.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DialogueTurn } from '../app/agent/memoryManager';
import { openAgentTestBank } from '../app/agent/testing/agentTestBank';
import { parseLocomo } from '../app/eval/locomo';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH, TEST_CHAT_GGUF_RELATIVE_PATH } from '../scripts/test-models';
import { openBrowserBench } from './browserBench';
import { type PrefixCallRow, type PrefixRun, replayManager } from './prefixPage';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'wllama' },
    turns: { type: 'string', default: '20' },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/datasets/locomo/locomo-dev.json') },
  },
});
const ENGINE = values.engine;
if (ENGINE !== 'wllama' && ENGINE !== 'node') throw new Error(`--engine must be wllama or node, got ${ENGINE}`);
const TURNS = Math.max(1, Number(values.turns));

function loadTurns(): DialogueTurn[] {
  const [conv] = parseLocomo(JSON.parse(readFileSync(values.data, 'utf8')));
  if (!conv) throw new Error(`no conversation in ${values.data}`);
  return conv.turns.slice(0, TURNS).map((t) => ({
    speaker: t.speaker,
    text: t.imageCaption ? `${t.text} [shares an image: ${t.imageCaption}]` : t.text,
    sessionTime: t.sessionTime,
    turnId: t.diaId,
    namespace: t.speaker,
  }));
}

const fmtRow = (mode: string, r: PrefixCallRow) =>
  `${mode.padEnd(8)} ${r.turnId.padEnd(6)} ${r.stage.padEnd(14)} ${String(r.promptTokens).padStart(6)} ${String(r.cachedTokens).padStart(7)} ${String(r.completionTokens).padStart(5)} ${r.wallMs.toFixed(0).padStart(8)}`;
const HEADER = 'mode     turn   stage          prompt  cached   gen  wall_ms';

async function runNode(turns: DialogueTurn[]): Promise<[PrefixRun, PrefixRun]> {
  const runs: PrefixRun[] = [];
  for (const cachePrompt of [true, false]) {
    // A fresh client per run: both start with empty caches.
    const client = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH, threads: os.availableParallelism() });
    try {
      runs.push(await replayManager(client, turns, cachePrompt, openAgentTestBank, (r) => console.log(fmtRow(cachePrompt ? 'cached' : 'uncached', r))));
    } finally {
      await client.dispose();
    }
  }
  return [runs[0]!, runs[1]!];
}

async function runWllama(turns: DialogueTurn[]): Promise<[PrefixRun, PrefixRun]> {
  const bench = await openBrowserBench();
  const browser = bench.browser;
  const port = new URL(bench.origin).port;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    page.on('console', (msg) => {
      const text = msg.text();
      if (!text.startsWith('prefix-call ')) return;
      const row = JSON.parse(text.slice('prefix-call '.length)) as PrefixCallRow & { cachePrompt: boolean };
      console.log(fmtRow(row.cachePrompt ? 'cached' : 'uncached', row));
    });
    await page.goto(`http://localhost:${port}/bench/prefix.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    const url = `/models/${TEST_CHAT_GGUF_RELATIVE_PATH}`;
    const runs: PrefixRun[] = [];
    const evaluate = (cachePrompt: boolean) =>
      page.evaluate(
        ([u, t, tu, c]) =>
          (globalThis as unknown as { runPrefixWllama: (...a: unknown[]) => Promise<PrefixRun & { threads: number }> }).runPrefixWllama(u, t, tu, c),
        [url, threads, turns, cachePrompt] as const,
      );
    for (const cachePrompt of [true, false]) {
      let run: PrefixRun & { threads: number };
      try {
        run = await evaluate(cachePrompt);
      } catch (error) {
        // Vite's dev server reloads the page once when it first meets a dependency to pre-bundle: start over.
        if (!String(error).includes('Execution context was destroyed')) throw error;
        console.log('(the dev server reloaded the page; running again)');
        await page.waitForFunction(() => document.title === 'ready');
        run = await evaluate(cachePrompt);
      }
      if (run.threads !== threads) throw new Error(`asked wllama for ${threads} threads, it runs ${run.threads} (cross-origin isolation missing?)`);
      runs.push(run);
    }
    return [runs[0]!, runs[1]!];
  } finally {
    await bench.close();
  }
}

function summarize(run: PrefixRun) {
  const sum = (f: (r: PrefixCallRow) => number) => run.calls.reduce((s, r) => s + f(r), 0);
  return { calls: run.calls.length, prompt: sum((r) => r.promptTokens), cached: sum((r) => r.cachedTokens), modelMs: sum((r) => r.wallMs), wallMs: run.wallMs };
}

async function main() {
  assertTestModelsPresent();
  const turns = loadTurns();
  console.log(
    `prefix: ${ENGINE === 'node' ? 'node-llama-cpp' : 'wllama (headless Chromium)'}, ${path.basename(TEST_CHAT_GGUF_PATH)}, first ${turns.length} LoCoMo turns, ${os.availableParallelism()} cores`,
  );
  console.log(HEADER);
  const [cached, uncached] = ENGINE === 'node' ? await runNode(turns) : await runWllama(turns);
  const c = summarize(cached);
  const u = summarize(uncached);
  console.log('run       calls  prompt_tok  cached_tok  model_ms  replay_ms');
  for (const [name, s] of [
    ['cached', c],
    ['uncached', u],
  ] as const) {
    console.log(
      `${name.padEnd(9)} ${String(s.calls).padStart(5)}  ${String(s.prompt).padStart(10)}  ${String(s.cached).padStart(10)}  ${s.modelMs.toFixed(0).padStart(8)}  ${s.wallMs.toFixed(0).padStart(9)}`,
    );
  }
  if (c.calls !== u.calls || c.prompt !== u.prompt) console.log('note: the two runs made different calls (outputs diverged); ratios compare totals');
  console.log(
    `uncached run cached_ratio=${(u.cached / Math.max(1, u.prompt)).toFixed(3)} (should be 0); replay wall ratio=${(c.wallMs / u.wallMs).toFixed(3)}`,
  );
  console.log(`prefix cached_ratio=${(c.cached / Math.max(1, c.prompt)).toFixed(3)} manager_wall_ratio=${(c.modelMs / u.modelMs).toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
