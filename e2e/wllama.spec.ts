import { expect, test } from '@playwright/test';
import { docsScreenshot } from './docsScreenshot';

test('wllama loads the real GGUF from the local base URL and returns a schema-valid completion', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-source')).toContainText('this server (/models/)');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toContainText('SmolLM2-135M-Instruct-Q4_1', { timeout: 120_000 });
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  // wllama's own default would be half the cores; we pass them all.
  await expect(page.getByTestId('model-loaded')).toContainText(`${threads} thread${threads === 1 ? '' : 's'}`);
  await expect(page.getByTestId('model-loaded')).toContainText('CPU');

  // Memory-R1's operation format, bounded so a 135M model that rambles still closes its JSON within max tokens:
  // the grammar enforces maxItems and maxLength, so a valid result proves the schema reached llama.cpp.
  const schema = {
    type: 'object',
    properties: {
      memory: {
        type: 'array',
        maxItems: 2,
        items: {
          type: 'object',
          properties: {
            id: { type: 'string', maxLength: 4 },
            text: { type: 'string', maxLength: 48 },
            event: { type: 'string', enum: ['ADD', 'UPDATE', 'DELETE', 'NOOP'] },
          },
          required: ['id', 'text', 'event'],
          additionalProperties: false,
        },
      },
    },
    required: ['memory'],
    additionalProperties: false,
  };
  await page.getByLabel('JSON schema', { exact: true }).fill(JSON.stringify(schema));
  await page.getByLabel('Max tokens').fill('160');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('schema-check')).toHaveText('Valid against the schema', { timeout: 180_000 });
  const output = await page.getByTestId('completion-output').textContent();
  const parsed = JSON.parse(output ?? '') as { memory: unknown[] };
  expect(Array.isArray(parsed.memory)).toBe(true);
  expect(parsed.memory.length).toBeLessThanOrEqual(2);
  await expect(page.getByTestId('completion-usage')).toContainText(/\d+ prompt tokens/);
  const usage = (await page.getByTestId('completion-usage').textContent()) ?? '';
  const prompt = Number(/(\d+) prompt tokens/.exec(usage)?.[1]);
  const generated = Number(/(\d+) generated/.exec(usage)?.[1]);
  expect(prompt).toBeGreaterThan(20);
  expect(generated).toBeGreaterThan(0);
  expect(generated).toBeLessThanOrEqual(160);
  // The README's screenshot: the first screen with a model loaded and a structured completion.
  await docsScreenshot(page, 'screenshot-first-screen.png', { fullPage: true });
});
