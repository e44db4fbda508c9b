import { expect, test } from '@playwright/test';

// Runs in the chromium-no-webgpu project (Chromium started with --disable-webgpu).
test('without WebGPU the first screen says so and the app falls back to llama.cpp on the CPU', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('no-webgpu')).toContainText('No GPU for the models here');
  await expect(page.getByTestId('cap-adapter')).toHaveText('none');
  await expect(page.getByTestId('cap-engine')).toContainText('wllama (CPU)');
  // A user who insists on web-llm is told why it cannot run, and still gets a working engine.
  await page.getByLabel('Engine').selectOption('webllm');
  await expect(page.getByTestId('engine-reason')).toContainText('web-llm needs WebGPU');
  await expect(page.getByTestId('load-model')).toContainText('SmolLM2-135M-Instruct-Q4_1');
});
