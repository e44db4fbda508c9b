/**
 * npm run bench:engines [-- --runs N --max-tokens N --prompt short|long --n-batch N --n-ubatch N --model <gguf under models/>]
 *
 * `--prompt long`: an Answer-Agent-sized prompt (60 LoCoMo observation facts in the answer prompt, ~1,300 tokens),
 * where prefill dominates the time to the first token; `short` (default): a Memory-Manager-sized one (~170 tokens).
 * `--n-batch` / `--n-ubatch` set llama.cpp's batch sizes in wllama (unset: wllama's defaults).
 *
 * The same GGUF (the pinned SmolLM2-135M-Instruct Q4_1) and the same prompt through node-llama-cpp in Node and
 * through the app's wllama client in headless Chromium with 1 thread and with all threads. Prints load ms,
 * prefill and decode tokens/s per engine, the medians over --runs fresh loads, and ratios from this one run.
 * Prefill and decode come from each engine's own timers (llama.cpp's prompt_ms / predicted_ms in wllama; first
 * token and end of stream in node-llama-cpp).
 */

import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import type { ChatMessage } from '../app/llm/types';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH, TEST_CHAT_GGUF_RELATIVE_PATH } from '../scripts/test-models';
import { longAnswerPrompt } from './answerStylePrompt';
import { openBrowserBench } from './browserBench';
import type { BrowserEngineRun } from './enginesPage';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '48' },
    prompt: { type: 'string', default: 'short' },
    'n-batch': { type: 'string' },
    'n-ubatch': { type: 'string' },
    model: { type: 'string' },
  },
});
const BATCH = values['n-batch'] ? Number(values['n-batch']) : undefined;
const UBATCH = values['n-ubatch'] ? Number(values['n-ubatch']) : undefined;
// Another quantization of the test model (git-ignored, under models/), e.g. models/gguf/smollm2-135m-q8_0.gguf.
const MODEL_RELATIVE = values.model ? path.relative(path.resolve(import.meta.dirname, '../models'), path.resolve(values.model)) : TEST_CHAT_GGUF_RELATIVE_PATH;
const MODEL_PATH = values.model ? path.resolve(values.model) : TEST_CHAT_GGUF_PATH;
const RUNS = Math.max(1, Number(values.runs));
const MAX_TOKENS = Math.max(8, Number(values['max-tokens']));

// A Memory-Manager-sized prompt (~170 tokens): long enough that prefill is measured, short enough for WASM.
const SHORT: ChatMessage[] = [
  {
    role: 'system',
    content:
      'You manage a memory bank for a chat assistant. Given a new dialogue turn and the existing memories, decide for each new fact whether to ADD it, UPDATE an existing memory by merging, DELETE a memory the turn contradicts, or do nothing. Keep memories short, dated, and in the third person.',
  },
  {
    role: 'user',
    content:
      'Session date: 8 May 2023.\nExisting memories:\n0: Caroline adopted a dog named Buddy (April 2023).\n1: Caroline works as a counselor.\nNew turn, Caroline: "We just adopted a second dog last weekend, Scout, and I started volunteering at the LGBTQ center on Saturdays."\nWhat changes?',
  },
];

const MESSAGES: ChatMessage[] = values.prompt === 'long' ? longAnswerPrompt() : SHORT;

interface Row {
  engine: string;
  loadMs: number;
  promptTokens: number;
  completionTokens: number;
  prefillTokS: number;
  decodeTokS: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function summarize(engine: string, runs: Omit<Row, 'engine'>[]): Row {
  return {
    engine,
    loadMs: median(runs.map((r) => r.loadMs)),
    promptTokens: median(runs.map((r) => r.promptTokens)),
    completionTokens: median(runs.map((r) => r.completionTokens)),
    prefillTokS: median(runs.map((r) => r.prefillTokS)),
    decodeTokS: median(runs.map((r) => r.decodeTokS)),
  };
}

async function benchNode(): Promise<Row> {
  const runs: Omit<Row, 'engine'>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const client = await createNodeLlamaCppClient({ modelPath: MODEL_PATH, threads: os.availableParallelism() });
    const loadMs = performance.now() - t0;
    try {
      const r = await client.complete(MESSAGES, { maxTokens: MAX_TOKENS, temperature: 0 });
      // decodeMs runs from the first token to the last, so it covers completionTokens - 1 decode steps.
      runs.push({
        loadMs,
        promptTokens: r.usage.promptTokens,
        completionTokens: r.usage.completionTokens,
        prefillTokS: r.usage.promptTokens / ((r.timings.prefillMs ?? NaN) / 1000),
        decodeTokS: (r.usage.completionTokens - 1) / ((r.timings.decodeMs ?? NaN) / 1000),
      });
    } finally {
      await client.dispose();
    }
  }
  return summarize('node-llama-cpp', runs);
}

async function benchBrowser(): Promise<{ one: Row; all: Row; threads: number }> {
  const bench = await openBrowserBench();
  const browser = bench.browser;
  const port = new URL(bench.origin).port;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`http://localhost:${port}/bench/engines.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    const url = `/models/${MODEL_RELATIVE}`;
    const runWith = async (n: number): Promise<Row> => {
      const runs: Omit<Row, 'engine'>[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await page.evaluate(
          ([u, t, m, max, b, ub]) => (globalThis as unknown as { runWllama: (...a: unknown[]) => Promise<BrowserEngineRun> }).runWllama(u, t, m, max, b, ub),
          [url, n, MESSAGES, MAX_TOKENS, BATCH ?? null, UBATCH ?? null] as const,
        );
        if (r.threads !== n) throw new Error(`asked wllama for ${n} threads, it runs ${r.threads} (cross-origin isolation missing?)`);
        runs.push({
          loadMs: r.loadMs,
          promptTokens: r.promptTokens,
          completionTokens: r.completionTokens,
          prefillTokS: r.promptTokens / (r.prefillMs / 1000),
          decodeTokS: r.completionTokens / (r.decodeMs / 1000),
        });
      }
      return summarize(`wllama ${n} thread${n === 1 ? '' : 's'}`, runs);
    };
    const one = await runWith(1);
    const all = await runWith(threads);
    return { one, all, threads };
  } finally {
    await bench.close();
  }
}

async function main() {
  assertTestModelsPresent();
  console.log(
    `engines: ${path.basename(MODEL_PATH)}, ${values.prompt} prompt, ${RUNS} run(s) each, max ${MAX_TOKENS} new tokens, n_batch ${BATCH ?? 'default'}, n_ubatch ${UBATCH ?? 'default'}, ${os.availableParallelism()} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const node = await benchNode();
  const { one, all, threads } = await benchBrowser();
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  console.log('engine               load_ms  prompt_tok  gen_tok  prefill_tok_s  decode_tok_s');
  for (const r of [node, one, all]) {
    console.log(
      `${r.engine.padEnd(20)} ${fmt(r.loadMs, 0).padStart(7)}  ${String(r.promptTokens).padStart(10)}  ${String(r.completionTokens).padStart(7)}  ${fmt(r.prefillTokS).padStart(13)}  ${fmt(r.decodeTokS).padStart(12)}`,
    );
  }
  console.log(
    `prefill ratios: node/wasm_${threads}t=${fmt(node.prefillTokS / all.prefillTokS, 2)} wasm_${threads}t/1t=${fmt(all.prefillTokS / one.prefillTokS, 2)}`,
  );
  console.log(
    `engines prefill wasm_over_native=${fmt(all.prefillTokS / node.prefillTokS, 3)} (wasm ${threads} threads ÷ node-llama-cpp, ${node.promptTokens} prompt tokens)`,
  );
  console.log(
    `engines decode_tok_s node=${fmt(node.decodeTokS)} wasm_1t=${fmt(one.decodeTokS)} wasm_nt=${fmt(all.decodeTokS)} wasm_nt_over_1t=${fmt(all.decodeTokS / one.decodeTokS, 2)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
