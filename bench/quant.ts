/**
 * npm run bench:quant [-- --runs N --quants Q4_0,Q8_0 --batches 128/128,256/256,512/512]
 *
 * Which quantization and which llama.cpp batch sizes read a long prompt fastest in wllama (WASM, all threads, CPU):
 * the app's answer prompt with 60 LoCoMo facts (~1,300 tokens), through the app's own wllama client in headless
 * Chromium, for the pinned SmolLM2-135M Q4_1 at wllama's default batch sizes (the baseline), the same weights
 * re-quantized (bench/requantize_gguf.py, made once under models/gguf/requant/ with train/.venv-merge's gguf-py), and
 * the Q4_1 file at each n_batch/n_ubatch. Every config loads the model fresh; the baseline runs first and last in
 * each round so a load that drifts during the run moves it too. One line per config with its prefill tok/s (median
 * over rounds) and its ratio to the baseline of this run; then native node-llama-cpp on the same files and prompt,
 * and wasm_over_native for the baseline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH, TEST_CHAT_GGUF_RELATIVE_PATH } from '../scripts/test-models';
import { longAnswerPrompt } from './answerStylePrompt';
import { openBrowserBench } from './browserBench';
import type { BrowserEngineRun } from './enginesPage';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    quants: { type: 'string', default: 'Q4_0,Q8_0' },
    batches: { type: 'string', default: '128/128,256/128,256/256,512/128,512/256,512/512' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const QUANTS = values.quants.split(',').filter(Boolean);
const BATCHES = values.batches
  .split(',')
  .filter(Boolean)
  .map((pair) => {
    const [b, u] = pair.split('/').map(Number);
    if (!b || !u || u > b) throw new Error(`--batches: ${pair} is not n_batch/n_ubatch with n_ubatch ≤ n_batch`);
    return { batch: b, ubatch: u };
  });
// Decode is not what this bench measures: a few tokens close the call.
const MAX_TOKENS = 4;
const MODELS_DIR = path.resolve(import.meta.dirname, '../models');
const REQUANT_DIR = path.join(MODELS_DIR, 'gguf/requant');
const PYTHON = process.env.REQUANT_PYTHON ?? path.resolve(import.meta.dirname, '../train/.venv-merge/bin/python');

interface Config {
  name: string;
  /** Under models/. */
  file: string;
  batch: number | null;
  ubatch: number | null;
}

/** The pinned file re-quantized to `quant`, made once (git-ignored, like every model file). */
function requantized(quant: string): string {
  const base = path.basename(TEST_CHAT_GGUF_PATH, '.gguf');
  const out = path.join(REQUANT_DIR, `${base}-as-${quant}.gguf`);
  if (!existsSync(out)) {
    if (!existsSync(PYTHON)) {
      throw new Error(
        `no ${PYTHON}: make it with python3 -m venv train/.venv-merge && train/.venv-merge/bin/pip install -r train/requirements-merge.txt (or set REQUANT_PYTHON)`,
      );
    }
    mkdirSync(REQUANT_DIR, { recursive: true });
    execFileSync(PYTHON, [path.resolve(import.meta.dirname, 'requantize_gguf.py'), TEST_CHAT_GGUF_PATH, quant, out], { stdio: 'inherit' });
  }
  return path.relative(MODELS_DIR, out);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function nativePrefill(file: string, messages: ReturnType<typeof longAnswerPrompt>): Promise<{ tokS: number; promptTokens: number }> {
  const client = await createNodeLlamaCppClient({ modelPath: path.join(MODELS_DIR, file), threads: os.availableParallelism() });
  try {
    const r = await client.complete(messages, { maxTokens: MAX_TOKENS, temperature: 0, cachePrompt: false });
    return { tokS: r.usage.promptTokens / ((r.timings.prefillMs ?? NaN) / 1000), promptTokens: r.usage.promptTokens };
  } finally {
    await client.dispose();
  }
}

async function main() {
  assertTestModelsPresent();
  const messages = longAnswerPrompt();
  const baseline: Config = { name: 'Q4_1', file: TEST_CHAT_GGUF_RELATIVE_PATH, batch: null, ubatch: null };
  const configs: Config[] = [
    ...QUANTS.map((q) => ({ name: q, file: requantized(q), batch: null, ubatch: null })),
    ...BATCHES.map(({ batch, ubatch }) => ({ name: 'Q4_1', file: TEST_CHAT_GGUF_RELATIVE_PATH, batch, ubatch })),
  ];
  console.log(`quant: long answer prompt, ${RUNS} round(s), ${os.availableParallelism()} cores, load ${load()}`);

  const label = (c: Config) => `config=${c.name}/b${c.batch ?? 'default'}/u${c.ubatch ?? 'default'}`;
  const rates = new Map<Config, number[]>([[baseline, []], ...configs.map((c) => [c, []] as [Config, number[]])]);
  let promptTokens = 0;
  let threads = 0;
  const bench = await openBrowserBench();
  try {
    const page = await bench.browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`${bench.origin}/bench/engines.html`);
    await page.waitForFunction(() => document.title === 'ready');
    threads = await page.evaluate(() => navigator.hardwareConcurrency);
    const time = async (c: Config) => {
      const r = await page.evaluate(
        ([u, t, m, max, b, ub]) => (globalThis as unknown as { runWllama: (...a: unknown[]) => Promise<BrowserEngineRun> }).runWllama(u, t, m, max, b, ub),
        [`/models/${c.file}`, threads, messages, MAX_TOKENS, c.batch, c.ubatch] as const,
      );
      if (r.threads !== threads) throw new Error(`asked wllama for ${threads} threads, it runs ${r.threads} (cross-origin isolation missing?)`);
      promptTokens = r.promptTokens;
      const tokS = r.promptTokens / (r.prefillMs / 1000);
      rates.get(c)!.push(tokS);
      // Each measure as it comes: a run cut short (a slow, loaded machine) still leaves its figures.
      console.log(`  ${label(c)}: ${tokS.toFixed(1)} tok/s prefill over ${r.promptTokens} tokens (load ${load()})`);
    };
    for (let round = 0; round < RUNS; round++) {
      await time(baseline);
      for (const c of configs) await time(c);
      await time(baseline);
    }
  } finally {
    await bench.close();
  }

  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const base = median(rates.get(baseline)!);
  for (const c of [baseline, ...configs]) {
    const tokS = median(rates.get(c)!);
    const runs = rates
      .get(c)!
      .map((x) => fmt(x))
      .join(',');
    console.log(`quant ${label(c)} prefill_tok_s=${fmt(tokS)} ratio=${fmt(tokS / base, 3)} (wllama ${threads} threads, runs ${runs})`);
  }
  const native = new Map<string, number>();
  for (const file of [...new Set([baseline.file, ...configs.map((c) => c.file)])]) native.set(file, (await nativePrefill(file, messages)).tokS);
  for (const c of [baseline, ...configs.filter((c) => c.batch === null)]) {
    console.log(`quant native ${c.name} prefill_tok_s=${fmt(native.get(c.file)!)} wasm_over_native=${fmt(median(rates.get(c)!) / native.get(c.file)!, 3)}`);
  }
  console.log(
    `quant wasm_over_native=${fmt(base / native.get(baseline.file)!, 3)} (wllama ${threads} threads ÷ node-llama-cpp ${os.availableParallelism()} threads, Q4_1, wllama's default batches, ${promptTokens} prompt tokens; load ${load()})`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
