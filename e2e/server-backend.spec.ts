import { expect, test } from '@playwright/test';
import { OPENAI_PORT, OPENAI_TOKEN } from '../playwright.config';

// The same agent code on an OpenAI-compatible server (here node-llama-cpp behind scripts/openai-server.ts).
test('the chat runs unchanged on an OpenAI-compatible server, and a bad URL says what failed', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Runs').selectOption('openai-compatible');
  await page.getByLabel('Server URL').fill(`http://127.0.0.1:${OPENAI_PORT + 1}/v1`);
  await page.getByTestId('connect-server').click();
  await expect(page.getByTestId('server-error')).toContainText(`Could not reach the OpenAI-compatible server at http://127.0.0.1:${OPENAI_PORT + 1}/v1`);

  await page.getByLabel('Server URL').fill(`http://127.0.0.1:${OPENAI_PORT}`);
  await page.getByLabel('API key (optional)').fill(OPENAI_TOKEN);
  await page.getByTestId('connect-server').click();
  await expect(page.getByTestId('model-loaded')).toContainText(`OpenAI-compatible server at http://127.0.0.1:${OPENAI_PORT}/v1`);
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });

  await page.getByLabel('Message').fill('My sister Anna lives in Lyon.');
  await page.getByTestId('send').click();
  await expect(page.getByTestId('chat-log').locator('li[data-role="assistant"]')).toHaveCount(1, { timeout: 120_000 });
  await expect(page.getByTestId('manager-status')).toHaveText('Memory up to date', { timeout: 120_000 });
  const history = await page.evaluate(() => globalThis.memoryR1!.bank.db.memoryHistory.toArray());
  const events = await page.getByTestId('ops-log').locator('li').count();
  expect(events).toBeGreaterThan(0);
  // Whatever the small model proposed, anything written names the server's model.
  for (const row of history) expect(row.model).toBe('SmolLM2-135M-Instruct.Q4_1');
});
