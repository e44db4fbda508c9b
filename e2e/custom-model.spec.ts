import { expect, test } from '@playwright/test';

// The test GGUF (scripts/test-models.ts), addressed by the user's own URL rather than through the catalog.
const GGUF_PATH = '/models/gguf/SmolLM2-135M-Instruct.Q4_1.gguf';

test('a model added by URL is refused when the URL is bad, kept across a reload, loaded through the usual path and completes', async ({ page, context }) => {
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  await page.goto('/');
  const panel = page.getByRole('region', { name: 'Chat model' });
  await panel.getByText('Your own model (URL)').click();

  await page.getByLabel('GGUF file URL').fill('ftp://example.org/model.gguf');
  await page.getByRole('button', { name: 'Add model' }).click();
  await expect(page.getByTestId('custom-model-error')).toContainText('http(s) URL or a path on this server');
  await expect(page.getByLabel('GGUF file URL')).toHaveAttribute('aria-invalid', 'true');
  // The bad URL stays in the field to be fixed, and nothing was added.
  await expect(page.getByLabel('GGUF file URL')).toHaveValue('ftp://example.org/model.gguf');
  await expect(page.getByRole('radio', { name: /your URL/ })).toHaveCount(0);

  await page.getByLabel('GGUF file URL').fill(GGUF_PATH);
  await page.getByLabel('Name', { exact: true }).fill('my-finetune');
  await page.getByRole('button', { name: 'Add model' }).click();
  await expect(page.getByTestId('custom-model-error')).toHaveCount(0);
  await expect(page.getByRole('radio', { name: 'my-finetune — your URL, size unknown' })).toBeChecked();

  await page.reload();
  await expect(page.getByRole('radio', { name: 'my-finetune — your URL, size unknown' })).toBeChecked();
  await expect(page.getByTestId('model-source')).toContainText(`Files from ${GGUF_PATH}`);
  await expect(page.getByTestId('load-model')).toHaveText('Download and load my-finetune (size unknown)');

  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toContainText('Loaded my-finetune', { timeout: 120_000 });
  expect(requested.some((url) => new URL(url).pathname === GGUF_PATH)).toBe(true);

  await page.getByLabel('Constrain to a JSON schema').uncheck();
  await page.getByLabel('Prompt', { exact: true }).fill('Say hello.');
  await page.getByLabel('Max tokens').fill('8');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('completion-usage')).toContainText(/\d+ generated/, { timeout: 120_000 });
  const usage = (await page.getByTestId('completion-usage').textContent()) ?? '';
  const generated = Number(/(\d+) generated/.exec(usage)?.[1]);
  expect(generated).toBeGreaterThan(0);
  expect(generated).toBeLessThanOrEqual(8);
  expect((await page.getByTestId('completion-output').textContent())?.length).toBeGreaterThan(0);

  // A same-origin custom URL adds no request to any other origin.
  const origin = new URL(page.url()).origin;
  expect(requested.filter((url) => /^https?:/.test(url) && new URL(url).origin !== origin)).toEqual([]);

  // Removing it from the list leaves the built-in catalog selectable again.
  await page.getByRole('button', { name: 'Remove my-finetune from the list' }).click();
  await expect(page.getByRole('radio', { name: /my-finetune/ })).toHaveCount(0);
  await expect(page.getByTestId('load-model')).toContainText('SmolLM2-135M-Instruct-Q4_1');
});
