import { expect, test } from '@playwright/test';

// The production build under its Content-Security-Policy (app/security/contentSecurityPolicy.ts): the header and
// the <meta> are there, the engines still load and run (workers, WebAssembly), and a request to any other origin
// is refused by the browser itself.
test('the app runs under its CSP, which refuses other origins and framing', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const response = await page.goto('/');
  const header = response!.headers()['content-security-policy'] ?? '';
  expect(header).toContain("default-src 'self'");
  expect(header).toContain("frame-ancestors 'none'");
  expect(header).toContain("'wasm-unsafe-eval'");
  // Local-files mode (VITE_MODEL_BASE_URL=/models/): no model host, only this origin and the local servers.
  const connect = /connect-src ([^;]+)/.exec(header)![1]!;
  expect(connect.split(' ')).not.toContain('https://huggingface.co');
  expect(connect).toMatch(/^'self' /);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("default-src 'self'");

  // Both engines' workers and WebAssembly run: the embedding model and the GGUF chat model load and generate.
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toContainText('SmolLM2-135M-Instruct-Q4_1', { timeout: 120_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('Max tokens').fill('4');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('completion-usage')).toBeVisible({ timeout: 120_000 });
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);

  // Another origin is refused before any request leaves the page.
  const outcome = await page.evaluate(() =>
    fetch('https://example.org/collect', { method: 'POST', body: 'x' }).then(
      () => 'sent',
      (e: Error) => e.name,
    ),
  );
  expect(outcome).toBe('TypeError');
  // Reported once per policy that refused it (the <meta> and the header both do).
  await expect.poll(() => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.length)).toBeGreaterThan(0);
  expect(new Set(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))).toEqual(
    new Set(['connect-src https://example.org/collect']),
  );
});
