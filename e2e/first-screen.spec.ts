import { expect, test } from '@playwright/test';

test('the first screen reports the SwiftShader adapter, no shader-f16, and picks llama.cpp on the CPU', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('cap-adapter')).toContainText(/swiftshader/i);
  await expect(page.getByTestId('cap-shader-f16')).toHaveText('no');
  await expect(page.getByTestId('cap-coi')).toHaveText('yes');
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(page.getByTestId('cap-threads')).toHaveText(String(threads));
  await expect(page.getByTestId('cap-engine')).toContainText('wllama (CPU)');
  await expect(page.getByTestId('engine-reason')).toContainText('software renderer');
  await expect(page.getByTestId('cap-storage')).toContainText('used of');
  // Sizes are shown before any download: consent comes first.
  await expect(page.getByTestId('load-model')).toContainText('98 MB');
});

test('the first screen loads none of the engines: web-llm, wllama and transformers.js stay lazy', async ({ page }) => {
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script' || r.url().endsWith('.js') || r.url().endsWith('.wasm')) scripts.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByTestId('cap-engine')).toBeVisible();
  await page.waitForLoadState('networkidle');
  const bodies = await Promise.all(scripts.filter((u) => u.endsWith('.js')).map(async (u) => (await page.request.get(u)).text()));
  expect(scripts.some((u) => u.endsWith('.wasm'))).toBe(false);
  for (const body of bodies) {
    // Marker strings from each engine's own code.
    expect(body).not.toContain('WebWorkerMLCEngine');
    expect(body).not.toContain('loadModelFromUrl');
    expect(body).not.toContain('feature-extraction');
  }
});
