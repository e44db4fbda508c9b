import { expect, test } from '@playwright/test';

// web-llm cannot generate on these machines (SwiftShader, no shader-f16, no compiled model libraries here), so this
// tests what can be: its catalog filtering against the adapter's features, the worker handshake, and the error a
// user sees.
test('web-llm: q4f16 builds are refused for lack of shader-f16, and a load goes through the worker and fails clearly', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto('/');
  await page.getByLabel('Engine').selectOption('webllm');
  await expect(page.getByTestId('cap-engine')).toContainText('web-llm (q4f32)');
  await expect(page.getByTestId('engine-reason')).toContainText('very slow');

  const f16 = page.getByRole('radio', { name: /SmolLM2 360M Instruct \(q4f16\)/ });
  await expect(f16).toBeDisabled();
  await expect(page.getByText(/needs the shader-f16 WebGPU feature/).first()).toBeVisible();
  const f32 = page.getByRole('radio', { name: /SmolLM2 360M Instruct \(q4f32\)/ });
  await expect(f32).toBeEnabled();
  await f32.check();

  await page.getByTestId('load-model').click();
  // The request reached web-llm inside its worker, which looked for the model under the local base URL and
  // reported back through the worker protocol.
  await expect(page.getByTestId('model-error')).toContainText('web-llm could not download the model files from', { timeout: 120_000 });
  await expect(page.getByTestId('model-error')).toContainText('/models/webllm/SmolLM2-360M-Instruct-q4f32_1-MLC');
  expect(workers.some((u) => u.includes('llm.worker'))).toBe(true);
  await expect(page.getByTestId('model-loaded')).toHaveCount(0);
});
