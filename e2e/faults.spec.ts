/**
 * The short run of the fault harness (the full one is `npm run bench:faults`): kills mid-batch, quota, bad import
 * files, and the chat engine's worker dying mid-turn, each checked against what was committed.
 */
import { expect, test } from '@playwright/test';
import { bankReady, runQuotaFault, runReloadFaults } from '../bench/faultsDriver';

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

test('storage full: a batch and an import that do not fit are refused with a clear message, nothing of them written, earlier data intact', async ({ context, page }) => {
  const result = await runQuotaFault(context, page);
  expect(result.batchMessage).toMatch(/^Storage is full: .*nothing of it was written/);
  expect(result.importMessage).toMatch(/not enough storage to import 3000 memories; nothing was imported/);
  expect(result.unchangedByBatch).toBe(true);
  expect(result.unchangedByImport).toBe(true);
  expect(result.smallWriteOk).toBe(true);
  expect(result.check.problems).toEqual([]);
  expect(result.check.present).toBe(4);
});
