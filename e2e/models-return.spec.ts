import { expect, test } from '@playwright/test';

test('the first screen recommends a model and says why; on return the cached models load by themselves, downloading nothing', async ({ page }) => {
  await page.goto('/');
  // SwiftShader is a software adapter: the recommendation is a small GGUF on the CPU, with the reason.
  await expect(page.getByTestId('model-recommendation')).toContainText('Recommended here:');
  await expect(page.getByTestId('model-recommendation')).toContainText('software renderer');
  await expect(page.getByTestId('load-model')).toHaveText('Download and load SmolLM2-135M-Instruct-Q4_1 (98 MB)');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  // Once loaded, the button no longer offers a download.
  await expect(page.getByTestId('load-model')).toHaveText('Reload SmolLM2-135M-Instruct-Q4_1');
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });

  const downloads: string[] = [];
  page.on('request', (r) => {
    if (/\/models\/(gguf|transformers)\//.test(new URL(r.url()).pathname)) downloads.push(r.url());
  });
  await page.reload();
  // No click: both load from this browser's cache, and say so while they do.
  await expect(page.getByText(/from this browser's cache…/).first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('model-loaded')).toContainText('SmolLM2-135M-Instruct-Q4_1', { timeout: 120_000 });
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
  expect(
    downloads.filter((u) => u.includes('/gguf/')),
    'GGUF downloads after the reload',
  ).toEqual([]);

  // Cleared caches end it: after the next reload nothing loads by itself.
  await page.getByRole('region', { name: 'Chat model' }).getByRole('button', { name: 'Clear model cache' }).click();
  await expect(page.getByText('Cleared the cached files')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('load-model')).toHaveText('Download and load SmolLM2-135M-Instruct-Q4_1 (98 MB)');
  await expect(page.getByTestId('model-loaded')).toHaveCount(0);
});
