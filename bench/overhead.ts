/**
 * npm run bench:overhead [-- --turns N]
 *
 * The app's own chat in headless Chromium on the real models (SmolLM2-135M through wllama, bge through the embed
 * worker): for each turn, the wall time of answering plus remembering, against the time spent inside model calls
 * (each call's own wall time as the engine adapter measured it). The ratio is what the app adds around the model:
 * embeddings, retrieval, IndexedDB, React. Both are measured in the same run.
 */
import { parseArgs } from 'node:util';
import type { ChatTurnMetrics } from '../app/chat/chatSession';
import { assertTestModelsPresent } from '../scripts/test-models';
import { openBrowserBench } from './browserBench';

const { values } = parseArgs({ options: { turns: { type: 'string', default: '3' } } });
const TURNS = Math.max(1, Number(values.turns));
const MESSAGES = [
  'I adopted a dog named Buddy last week.',
  'My sister Anna lives in Lyon and works as a nurse.',
  'What is the name of my dog?',
  'Where does my sister live?',
  'I started learning Japanese in March.',
];

async function main() {
  assertTestModelsPresent();
  const bench = await openBrowserBench({ webgpu: true });
  const browser = bench.browser;
  const port = new URL(bench.origin).port;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`http://localhost:${port}/`);
    await page.getByTestId('load-model').click();
    await page.getByTestId('model-loaded').waitFor();
    await page.getByTestId('load-embedder').click();
    await page.getByTestId('embedder-loaded').waitFor();
    for (let i = 0; i < TURNS; i++) {
      await page.getByLabel('Message').fill(MESSAGES[i % MESSAGES.length]!);
      await page.getByTestId('send').click();
      await page.waitForFunction((n) => (globalThis.memoryR1?.chatMetrics.length ?? 0) >= n, i + 1);
    }
    const metrics = (await page.evaluate(() => globalThis.memoryR1!.chatMetrics)) as ChatTurnMetrics[];
    console.log(`bench:overhead: ${TURNS} chat turn(s) in headless Chromium, SmolLM2-135M-Instruct Q4_1 (wllama, CPU) + bge-small (embed worker)`);
    console.log('turn  answer_wall_ms  answer_model_ms  manager_wall_ms  manager_model_ms  wall/model');
    let wall = 0;
    let model = 0;
    metrics.forEach((m, i) => {
      const w = m.answerWallMs + m.managerWallMs;
      const md = m.answerModelMs + m.managerModelMs;
      wall += w;
      model += md;
      console.log(
        `${String(i + 1).padStart(4)}  ${m.answerWallMs.toFixed(0).padStart(14)}  ${m.answerModelMs.toFixed(0).padStart(15)}  ${m.managerWallMs.toFixed(0).padStart(15)}  ${m.managerModelMs.toFixed(0).padStart(16)}  ${(w / md).toFixed(3).padStart(10)}`,
      );
    });
    console.log(
      `chat turn overhead: wall_ms=${(wall / metrics.length).toFixed(0)} model_ms=${(model / metrics.length).toFixed(0)} wall_over_model=${(wall / model).toFixed(3)}`,
    );
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
