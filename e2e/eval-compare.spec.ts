import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

// The eval CLI's reports of a base and a trained GGUF (the shape of bench:train's val-base.json and val-trained.json,
// made-up text) imported on the Evaluation page, in a real browser with the app's real database, and set side by
// side. No model is loaded: comparing stored runs needs none.
const FIXTURES = path.resolve('app/ui/eval/fixtures');
const BASE = path.join(FIXTURES, 'cli-report-base.json');
const TRAINED = path.join(FIXTURES, 'cli-report-trained.json');

test('two eval CLI reports import as runs and compare overall, per category and question by question', async ({ page }) => {
  await page.goto('/#eval');
  await expect(page.getByRole('heading', { name: 'Evaluation on LoCoMo' })).toBeVisible();

  // A LoCoMo file picked by mistake is refused by name; nothing is stored.
  await page.getByTestId('eval-run-import').setInputFiles({ name: 'locomo10.json', mimeType: 'application/json', buffer: Buffer.from('[{"qa": []}]') });
  await expect(page.getByTestId('eval-run-import-problem')).toContainText('locomo10.json is not an evaluation report');
  await expect(page.getByTestId('eval-run-row')).toHaveCount(0);

  await page.getByTestId('eval-run-import').setInputFiles([BASE, TRAINED]);
  await expect(page.getByTestId('eval-run-imported')).toHaveCount(2);
  const rows = page.getByTestId('eval-run-row');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) await row.getByTestId('eval-run-compare').check();

  const compare = page.getByTestId('eval-compare');
  const [base, trained] = [BASE, TRAINED].map((f) => JSON.parse(readFileSync(f, 'utf8')));
  // The two files are stored in the order the browser lists them: put the base model's run in A.
  if (!((await compare.getByTestId('eval-compare-run-A').textContent()) ?? '').includes('base.Q8_0')) await page.getByTestId('eval-compare-swap').click();
  await expect(compare.getByTestId('eval-compare-run-A')).toContainText('A: base.Q8_0');
  await expect(compare.getByTestId('eval-compare-run-B')).toContainText('B: trained.Q8_0');
  await expect(compare.getByRole('alert')).toHaveCount(0);

  const f1 = (r: { summaries: { overall: { f1: number } }[] }) => 100 * r.summaries[0]!.overall.f1;
  const f1Cells = compare.locator('[data-testid="eval-compare-overall"] tr[data-pipeline="evidence"][data-metric="F1"] td');
  await expect(f1Cells.nth(2)).toHaveText(f1(base).toFixed(1));
  await expect(f1Cells.nth(3)).toHaveText(f1(trained).toFixed(1));
  await expect(f1Cells.nth(4)).toHaveText(`+${(f1(trained) - f1(base)).toFixed(1)}`);
  await expect(compare.getByTestId('eval-compare-categories').locator('tbody tr')).toHaveCount(3);

  const questions = compare.getByTestId('eval-compare-questions').locator('tbody tr');
  await expect(questions).toHaveCount(8);
  const differ = base.results.filter((r: { prediction: string }, i: number) => r.prediction.trim() !== trained.results[i].prediction.trim()).length;
  await expect(compare.locator('tbody tr[data-differs="true"]')).toHaveCount(differ);
  await expect(questions.first().getByTestId('eval-compare-answer-b')).toHaveText(trained.results[0].prediction);

  // Stored in the app's database: still there after a reload.
  await page.reload();
  await expect(page.getByTestId('eval-run-row')).toHaveCount(2);
});
