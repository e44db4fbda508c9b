import { expect, test } from '@playwright/test';

test('"Clear model cache" really removes the files: with the source gone, loading then fails with a clear message', async ({ page, context }) => {
  await page.goto('/');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });

  const chatPanel = page.getByRole('region', { name: 'Chat model' });
  const embedPanel = page.getByRole('region', { name: 'Embedding model' });
  await chatPanel.getByRole('button', { name: 'Clear model cache' }).click();
  await expect(chatPanel.getByText('Cleared the cached files')).toBeVisible();
  await expect(page.getByTestId('model-loaded')).toHaveCount(0);
  await embedPanel.getByRole('button', { name: 'Clear model cache' }).click();
  await expect(embedPanel.getByText('Cleared the cached embedding-model files.')).toBeVisible();

  await context.route('**/models/**', (route) => route.abort('internetdisconnected'));
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-error')).toContainText('could not fetch /models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf', { timeout: 60_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embed-error')).toContainText('Failed to load embedding model Xenova/bge-small-en-v1.5', { timeout: 60_000 });
  await expect(page.getByTestId('embedder-loaded')).toHaveCount(0);
});
