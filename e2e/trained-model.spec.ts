import path from 'node:path';
import { expect, test } from '@playwright/test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { MODELS_DIR } from '../scripts/test-models';
import { COMMITTED_ADAPTER, mergeAdapter } from '../scripts/train-merge';

// The model GRPO trained (npm run bench:train): its committed LoRA adapter merged into the test GGUF with numpy
// (no torch in CI), served by the app's own /models/ server and loaded through "Your own model (URL)".
let trainedUrl = '';

test.beforeAll(async () => {
  test.setTimeout(600_000); // first run: a small venv (numpy, gguf, safetensors) from PyPI, then a few seconds
  const file = mergeAdapter();
  const info = await readGgufFileInfo(file);
  // The merged file is the trained model, not a copy of the base: the merge names the adapter it applied.
  expect(String(info.metadata.general.name)).toContain(`LoRA ${path.basename(COMMITTED_ADAPTER)}`);
  trainedUrl = `/models/${path.relative(MODELS_DIR, file).split(path.sep).join('/')}`;
});

test('the GRPO-trained model loads by URL in the app and completes', async ({ page, context }) => {
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  await page.goto('/');
  const panel = page.getByRole('region', { name: 'Chat model' });
  await panel.getByText('Your own model (URL)').click();
  await page.getByLabel('GGUF file URL').fill(trainedUrl);
  await page.getByLabel('Name', { exact: true }).fill('answer-agent-grpo');
  await page.getByRole('button', { name: 'Add model' }).click();
  await expect(page.getByTestId('custom-model-error')).toHaveCount(0);
  await expect(page.getByRole('radio', { name: /answer-agent-grpo — your URL/ })).toBeChecked();

  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toContainText('Loaded answer-agent-grpo', { timeout: 180_000 });
  expect(requested.some((url) => new URL(url).pathname === trainedUrl)).toBe(true);

  // The Answer Agent's form: JSON under the schema the app passes (the default), a few tokens.
  await page.getByLabel('Prompt', { exact: true }).fill('Jon lost his job at the bank on 19 May 2023. When did Jon lose his job?');
  await page.getByLabel('Max tokens').fill('12');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('completion-usage')).toContainText(/\d+ generated/, { timeout: 180_000 });
  const usage = (await page.getByTestId('completion-usage').textContent()) ?? '';
  const generated = Number(/(\d+) generated/.exec(usage)?.[1]);
  expect(generated).toBeGreaterThan(0);
  expect(generated).toBeLessThanOrEqual(12);
  expect((await page.getByTestId('completion-output').textContent())?.length).toBeGreaterThan(0);

  const origin = new URL(page.url()).origin;
  expect(requested.filter((url) => /^https?:/.test(url) && new URL(url).origin !== origin)).toEqual([]);
});
