/**
 * npm run bench:chat [-- --rounds N]
 *
 * Answers first: the app's chat in headless Chromium on the real models (SmolLM2-135M through wllama, bge through
 * the embed worker). The time to the answer's first token for a question sent with the Memory Manager idle, against
 * the same question sent while the manager is busy remembering the previous turn (the question cuts its call off).
 * One engine serves both agents, so without the cut a busy question waits for the whole manager turn. Both are
 * measured in the same run, alternating which comes first; the medians are compared.
 */
import { parseArgs } from 'node:util';
import type { Page } from '@playwright/test';
import type { ChatTurnMetrics } from '../app/chat/chatSession';
import { assertTestModelsPresent } from '../scripts/test-models';
import { openBrowserBench } from './browserBench';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const ROUNDS = Math.max(1, Number(values.rounds));
const STATEMENTS = [
  'I adopted a dog named Buddy last week.',
  'My sister Anna lives in Lyon and works as a nurse.',
  'I started learning Japanese in March.',
  'My favourite food is ramen.',
];
const QUESTION = 'What do you remember about me?';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function metricsCount(page: Page): Promise<number> {
  return page.evaluate(() => globalThis.memoryR1?.chatMetrics.length ?? 0);
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByTestId('send').click();
}

/** Sends a statement, then the question: with the manager idle (the statement fully remembered first) or busy. */
async function measure(page: Page, statement: string, busy: boolean): Promise<ChatTurnMetrics> {
  const before = await metricsCount(page);
  const answers = page.getByTestId('chat-log').locator('li[data-role="assistant"]');
  const answered = await answers.count();
  await say(page, statement);
  if (busy) {
    // The statement's answer is stored and the manager is inside its model call on it.
    await answers.nth(answered).waitFor();
    await page.waitForFunction(() => {
      const s = globalThis.memoryR1Chat?.snapshot();
      return s !== undefined && s.answering === null && s.remembering !== null && !s.remembering.waitingForAnswer;
    });
    await page.waitForTimeout(1000);
  } else {
    await page.waitForFunction((n) => (globalThis.memoryR1?.chatMetrics.length ?? 0) >= n, before + 1);
  }
  await say(page, QUESTION);
  await page.waitForFunction((n) => (globalThis.memoryR1?.chatMetrics.length ?? 0) >= n, before + 2);
  const metrics = (await page.evaluate(() => globalThis.memoryR1!.chatMetrics)) as ChatTurnMetrics[];
  // Turns are remembered in order: the question's entry is the last.
  return metrics.at(-1)!;
}

async function main() {
  assertTestModelsPresent();
  const bench = await openBrowserBench({ webgpu: true });
  try {
    const page = await bench.browser.newPage();
    page.setDefaultTimeout(900_000);
    await page.goto(`${bench.origin}/`);
    // The test model, whatever the panel recommends for this machine.
    const testModel = page.getByRole('radio', { name: /SmolLM2 135M Instruct \(Q4_1\)/ });
    if (await testModel.count()) await testModel.check();
    await page.getByTestId('load-model').click();
    await page.getByTestId('model-loaded').waitFor();
    await page.getByTestId('load-embedder').click();
    await page.getByTestId('embedder-loaded').waitFor();
    const idle: number[] = [];
    const busy: number[] = [];
    const preempted: boolean[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const isBusy of round % 2 === 0 ? [false, true] : [true, false]) {
        const m = await measure(page, STATEMENTS[(2 * round + (isBusy ? 1 : 0)) % STATEMENTS.length]!, isBusy);
        (isBusy ? busy : idle).push(m.ttftMs);
        if (isBusy) preempted.push(m.preemptedManager);
        console.log(
          `round ${round + 1} ${isBusy ? 'busy' : 'idle'}: ttft_ms=${m.ttftMs.toFixed(0)} answer_wall_ms=${m.answerWallMs.toFixed(0)} answer_model_ms=${m.answerModelMs.toFixed(0)}${isBusy ? ` manager_cut_off=${m.preemptedManager}` : ''}`,
        );
      }
      if (round < ROUNDS - 1) console.log(`after round ${round + 1}: busy_over_idle=${(median(busy) / median(idle)).toFixed(2)}`);
    }
    console.log(
      `bench:chat: ${ROUNDS} round(s) in headless Chromium, SmolLM2-135M-Instruct Q4_1 (wllama, CPU) + bge-small (embed worker); busy = the question sent while the Memory Manager works on the previous turn`,
    );
    const i = median(idle);
    const b = median(busy);
    console.log(`chat ttft_idle_ms=${i.toFixed(0)} ttft_busy_ms=${b.toFixed(0)} busy_over_idle=${(b / i).toFixed(2)}`);
    if (!preempted.every(Boolean)) console.log('note: in some busy rounds the manager had no call in flight to cut off when the question arrived');
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
