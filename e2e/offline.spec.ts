import { expect, test } from '@playwright/test';

test('after models are cached the app works without their source and asks no other origin for anything', async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL ?? 'http://localhost').origin;
  const requested: string[] = [];
  context.on('request', (r) => requested.push(r.url()));

  // First visit: download both models from the local base URL; the engines cache them in this origin's storage.
  await page.goto('/');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
  expect(requested.some((u) => u.includes('/models/gguf/'))).toBe(true);

  // Now the model source is gone (as if offline), and any other origin refuses too.
  const blocked: string[] = [];
  await context.route(
    (url) => url.pathname.startsWith('/models/') || url.origin !== origin,
    (route) => {
      blocked.push(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  await page.reload();
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('rank').click();
  await expect(page.getByTestId('ranking').locator('li').first()).toContainText('My pet dog is called Buddy');
  await page.getByLabel('Constrain to a JSON schema').uncheck();
  await page.getByLabel('Max tokens').fill('8');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('completion-usage')).toBeVisible({ timeout: 120_000 });

  const foreign = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  expect(foreign, 'requests to other origins').toEqual([]);
  expect(
    blocked.filter((u) => !u.includes('/models/')),
    'blocked requests to other origins',
  ).toEqual([]);
});
