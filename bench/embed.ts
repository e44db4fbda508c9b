/**
 * npm run bench:embed [-- --texts 256 --batch 8 --runs 3 --model Xenova/bge-small-en-v1.5]
 *
 * The app's embed worker (transformers.js on onnxruntime-web WASM) in headless Chromium, on LoCoMo turns in
 * dialogue order: one by one (batch size 1), in caller-order ("unsorted") batches, and in length-sorted batches
 * (the worker's default). Prints texts/s per mode and ratios from this one run. Last line:
 * `embed batched_over_single=<x> sorted_over_unsorted=<y>` (x: sorted batches over one by one, as the worker
 * embeds; y: sorted over unsorted batches). Speed ratios, never assertions. Modes rotate order each run; medians.
 * --batch defaults to 8: in onnxruntime-web WASM (2 cores) batches of 32 LoCoMo turns ran no faster than one by
 * one (attention cost grows with the padded length squared), batches of 4-8 ran ~2x faster.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EMBEDDING_MODEL_ID } from '../app/embed/embeddingModels';
import { parseLocomo, turnText } from '../app/eval/locomo';
import { assertTestModelsPresent } from '../scripts/test-models';
import { openBrowserBench } from './browserBench';
import type { EmbedBenchRun } from './embedPage';

const { values } = parseArgs({
  options: {
    texts: { type: 'string', default: '256' },
    batch: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    model: { type: 'string', default: DEFAULT_EMBEDDING_MODEL_ID },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/datasets/locomo/locomo-dev.json') },
  },
});
const N = Math.max(1, Number(values.texts));
const BATCH = Math.max(1, Number(values.batch));
const RUNS = Math.max(1, Number(values.runs));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main() {
  assertTestModelsPresent();
  const conversations = parseLocomo(JSON.parse(readFileSync(values.data, 'utf8')));
  const texts = conversations.flatMap((c) => c.turns.map(turnText)).slice(0, N);
  const lengths = texts.map((t) => t.length);
  console.log(
    `embed: ${values.model}, ${texts.length} LoCoMo turns (chars: mean ${(lengths.reduce((a, b) => a + b, 0) / texts.length).toFixed(0)}, max ${Math.max(...lengths)}), batch ${BATCH}, ${RUNS} run(s)`,
  );

  const bench = await openBrowserBench();
  const browser = bench.browser;
  const port = new URL(bench.origin).port;
  let run: EmbedBenchRun;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`http://localhost:${port}/bench/embed.html`);
    await page.waitForFunction(() => document.title === 'ready');
    run = await page.evaluate(
      ([m, t, b, r]) =>
        (globalThis as unknown as { runEmbedBench: (...a: unknown[]) => Promise<EmbedBenchRun> }).runEmbedBench('/models/transformers/', m, t, b, r),
      [values.model, texts, BATCH, RUNS] as const,
    );
  } finally {
    await bench.close();
  }

  const single = median(run.single);
  const unsorted = median(run.unsorted);
  const sorted = median(run.sorted);
  const rate = (ms: number) => ((texts.length / ms) * 1000).toFixed(1);
  console.log(`model ${run.modelId} (${run.dims}-d), loaded in ${run.loadMs.toFixed(0)} ms, ${run.threads} threads`);
  console.log('mode               ms      texts/s');
  console.log(`one by one   ${single.toFixed(0).padStart(8)}  ${rate(single).padStart(9)}`);
  console.log(`unsorted     ${unsorted.toFixed(0).padStart(8)}  ${rate(unsorted).padStart(9)}`);
  console.log(`sorted       ${sorted.toFixed(0).padStart(8)}  ${rate(sorted).padStart(9)}`);
  console.log(`unsorted batches over one by one: ${(single / unsorted).toFixed(2)}; lowest cosine between modes: ${run.minAgreement.toFixed(4)}`);
  console.log(`embed batched_over_single=${(single / sorted).toFixed(2)} sorted_over_unsorted=${(unsorted / sorted).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
