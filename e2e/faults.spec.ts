/**
 * The short run of the fault harness (the full one is `npm run bench:faults`): kills mid-batch, quota, bad import
 * files, and the chat engine's worker dying mid-turn, each checked against what was committed.
 */
import { expect, test } from '@playwright/test';
import { bankReady, exposeWorkers, runQuotaFault, runReloadFaults, terminateEngineWorkers, workerCount } from '../bench/faultsDriver';
import { dumpBankInPage } from '../bench/faultsPageCalls';

test('20 kills in the middle of a batch (reload, close, renderer crash) and 100 batches: nothing half-applied, nothing lost', async ({ context, page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await bankReady(page);
  const result = await runReloadFaults(context, page, { reloads: 20, seed: 12, namespace: `faults:e2e:${Date.now()}`, bigOps: [300, 1200], smallPerRound: 4 });
  expect(result.check.problems).toEqual([]);
  expect(result.check).toMatchObject({ halfApplied: 0, lost: 0 });
  expect(result.batchesApplied).toBeGreaterThanOrEqual(100);
  expect(result.kills).toEqual({ reload: 7, close: 7, crash: 6 });
  // Kills must have hit batches in flight, or this proved nothing.
  expect(result.absent, `landed ${result.landed}, absent ${result.absent}`).toBeGreaterThan(0);
  expect(result.check.present + result.check.absent).toBe(result.record.size);
});

test('storage full: a batch and an import that do not fit are refused with a clear message, nothing of them written, earlier data intact', async ({
  context,
  page,
}) => {
  const result = await runQuotaFault(context, page);
  expect(result.batchMessage).toMatch(/^Storage is full: .*nothing of it was written/);
  expect(result.importMessage).toMatch(/not enough storage to import 3000 memories; nothing was imported/);
  expect(result.unchangedByBatch).toBe(true);
  expect(result.unchangedByImport).toBe(true);
  expect(result.smallWriteOk).toBe(true);
  expect(result.check.problems).toEqual([]);
  expect(result.check.present).toBe(4);
});

test("the chat engine's worker dies mid-reply: the turn fails with a reason instead of hanging, the engine is recreated, the retry is answered, the bank is untouched", async ({
  context,
  page,
}) => {
  test.setTimeout(480_000);
  await exposeWorkers(context);
  await page.goto('/');
  await bankReady(page);
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 180_000 });
  // The chat model's workers are the ones started while it loads.
  const beforeModel = await workerCount(page);
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 180_000 });
  const afterModel = await workerCount(page);
  const before = await dumpBankInPage(page);

  await page.getByLabel('Message').fill('I adopted a dog named Buddy last week.');
  await page.getByTestId('send').click();
  await expect(page.getByTestId('streaming-answer')).toBeVisible();
  // Inside the reply: the prompt is being read or the answer written.
  await page.waitForTimeout(1500);
  const beforeLoss = await workerCount(page);
  expect(await terminateEngineWorkers(page, beforeModel, afterModel)).toBeGreaterThan(0);
  await expect(page.getByTestId('chat-problem')).toContainText("The chat model's engine stopped during this reply (its worker was terminated)", {
    timeout: 30_000,
  });
  await expect(page.getByTestId('streaming-answer')).toHaveCount(0);
  expect(await dumpBankInPage(page)).toBe(before);

  await page.getByTestId('retry-turn').click();
  await expect(page.getByTestId('chat-log').locator('li[data-role="assistant"]')).toHaveCount(1, { timeout: 240_000 });
  await expect(page.getByTestId('chat-log').locator('li[data-role="user"]')).toHaveCount(1);
  // The recreated engine runs in a new worker.
  expect(await workerCount(page)).toBeGreaterThan(beforeLoss);
  await expect(page.getByTestId('chat-problem')).toHaveCount(0);
});
