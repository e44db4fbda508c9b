import type { Page } from '@playwright/test';

/**
 * A screenshot for the README's docs/*.png, taken only when SCREENSHOTS=1 (`SCREENSHOTS=1 npm run test:e2e`): an
 * ordinary e2e run leaves the tracked images alone.
 */
export async function docsScreenshot(page: Page, file: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  await page.screenshot({ path: `docs/${file}`, ...options });
}
