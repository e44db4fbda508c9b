import { expect, test } from '@playwright/test';

test('the embed worker returns real 384-d unit embeddings that rank a related sentence first', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toContainText('Xenova/bge-small-en-v1.5 ready (384-d)', { timeout: 120_000 });
  await page.getByTestId('rank').click();
  const ranking = page.getByTestId('ranking').locator('li');
  await expect(ranking).toHaveCount(3);
  await expect(ranking.first()).toContainText('My pet dog is called Buddy');
  await expect(ranking.last()).not.toContainText('My pet dog is called Buddy');
  await expect(page.getByTestId('embed-stats')).toContainText('384-d vectors, query norm 1.000');
});
