/**
 * The past-runs list and its side-by-side view in a DOM, on a real Dexie database (fake-indexeddb): the eval CLI's
 * reports of a base and a trained GGUF (./fixtures: their shape, made-up text) imported through the file input,
 * ticked, compared overall, per category and question by question; swapped; a comparison of other questions or
 * other prompts refused until the reader accepts the shared questions; every text rendered as text.
 */
// Dexie's liveQuery (useLiveQuery) observes the global indexedDB, whatever the database was opened with.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDB } from '../../memory/db';
import { PastRuns } from './PastRuns';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const BASE = fixture('cli-report-base.json');
const TRAINED = fixture('cli-report-trained.json');

const dbs: MemoryDB[] = [];
afterEach(() => {
  cleanup();
  for (const db of dbs.splice(0)) db.close();
});

function setUp() {
  const db = new MemoryDB(`eval-past-runs-${Math.random()}`, { indexedDB, IDBKeyRange });
  dbs.push(db);
  render(<PastRuns db={db} disabled={false} />);
  return { db, user: userEvent.setup() };
}

const file = (text: string, name: string) => new File([text], name, { type: 'application/json' });

async function importFiles(user: ReturnType<typeof userEvent.setup>, files: File[]) {
  await user.upload(await screen.findByTestId('eval-run-import'), files);
  await waitFor(() => expect(screen.getAllByTestId(/eval-run-import/).length).toBeGreaterThan(files.length));
}

/** Ticks the rows whose model cell names these imported files, in the list's order. */
async function tick(user: ReturnType<typeof userEvent.setup>, ...files: string[]) {
  await waitFor(() => expect(screen.getAllByTestId('eval-run-row').length).toBeGreaterThanOrEqual(files.length));
  for (const name of files) {
    const row = screen.getAllByTestId('eval-run-row').find((r) => r.textContent?.includes(`imported from ${name}`));
    if (!row) throw new Error(`no row for ${name}`);
    await user.click(within(row).getByTestId('eval-run-compare'));
  }
}

const cells = (row: Element) => [...row.querySelectorAll('td')].map((td) => td.textContent);

describe('past runs: a base and a trained model side by side', () => {
  it("the CLI's two reports import, compare overall, per category and per question, and swap", async () => {
    const { db, user } = setUp();
    await importFiles(user, [file(BASE, 'val-base.json'), file(TRAINED, 'val-trained.json')]);
    expect(screen.getAllByTestId('eval-run-imported').map((p) => p.textContent)).toEqual([
      'val-base.json: imported as a run of base.Q8_0 (8 answers)',
      'val-trained.json: imported as a run of trained.Q8_0 (8 answers)',
    ]);
    expect(await db.evalRuns.count()).toBe(2);
    // Newest first: the trained report was stored after the base one.
    await tick(user, 'val-trained.json', 'val-base.json');

    const compare = await screen.findByTestId('eval-compare');
    expect(within(compare).getByTestId('eval-compare-run-A').textContent).toContain('A: base.Q8_0');
    expect(within(compare).getByTestId('eval-compare-run-B').textContent).toContain('B: trained.Q8_0');
    expect(within(compare).queryByRole('alert')).toBeNull();
    expect(within(compare).getByTestId('eval-compare-settings').textContent).toContain('model: A base.Q8_0, B trained.Q8_0');

    const [sa, sb] = [JSON.parse(BASE).summaries[0], JSON.parse(TRAINED).summaries[0]];
    const f1Row = compare.querySelector('[data-testid="eval-compare-overall"] tr[data-pipeline="evidence"][data-metric="F1"]')!;
    const delta = 100 * (sb.overall.f1 - sa.overall.f1);
    expect(cells(f1Row)).toEqual([
      'evidence',
      'F1',
      (100 * sa.overall.f1).toFixed(1),
      (100 * sb.overall.f1).toFixed(1),
      `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}`,
    ]);
    expect(cells(compare.querySelector('tr[data-pipeline="evidence"][data-metric="J"]')!).slice(2)).toEqual(['–', '–', '–']);

    const categoryRows = within(screen.getByTestId('eval-compare-categories')).getAllByRole('row').slice(1);
    expect(categoryRows.map((r) => r.getAttribute('data-category'))).toEqual(['1', '2', '4']);
    const temporalEm = categoryRows[1]!.querySelector('td[data-metric="EM"]')!.textContent;
    const em = (s: typeof sa) => 100 * s.byCategory[1].summary.exactMatch;
    expect(temporalEm).toBe(`${em(sa).toFixed(1)} → ${em(sb).toFixed(1)} (+${(em(sb) - em(sa)).toFixed(1)})`);

    const questionRows = within(screen.getByTestId('eval-compare-questions')).getAllByRole('row').slice(1);
    expect(questionRows).toHaveLength(8);
    const baseResults = JSON.parse(BASE).results;
    const trainedResults = JSON.parse(TRAINED).results;
    questionRows.forEach((row, i) => {
      const differs = baseResults[i].prediction.trim() !== trainedResults[i].prediction.trim();
      expect(row.getAttribute('data-differs')).toBe(String(differs));
      expect(row.classList.contains('eval-differs')).toBe(differs);
      expect(within(row).getByTestId('eval-compare-answer-a').textContent).toContain(baseResults[i].prediction);
      expect(within(row).getByTestId('eval-compare-answer-b').textContent).toContain(trainedResults[i].prediction);
    });
    const differing = questionRows.filter((r) => r.getAttribute('data-differs') === 'true').length;
    expect(screen.getByTestId('eval-compare-answers-differ').textContent).toBe(`${differing} of 8 answers differ (marked ≠).`);
    // The base model's cut-off reply keeps its problem note beside the answer.
    expect(within(questionRows[5]!).getByTestId('eval-compare-answer-a').textContent).toContain('cut off?');

    await user.click(screen.getByTestId('eval-compare-swap'));
    expect(screen.getByTestId('eval-compare-run-A').textContent).toContain('A: trained.Q8_0');
    expect(cells(screen.getByTestId('eval-compare').querySelector('tr[data-metric="F1"]')!)[2]).toBe((100 * sb.overall.f1).toFixed(1));
  });

  it('other questions or other prompts: refused with what differs, then compared on the shared questions with a note', async () => {
    const { user } = setUp();
    const other = JSON.parse(TRAINED);
    other.results = other.results.slice(1); // the first question not answered
    other.results[0].gold = 'another gold'; // another data file at the same place
    other.descriptions = { evidence: 'Answer Agent (answer-v3) over the evidence' };
    await importFiles(user, [file(BASE, 'val-base.json'), file(JSON.stringify(other), 'val-other.json')]);
    await tick(user, 'val-base.json', 'val-other.json');

    const refused = await screen.findByTestId('eval-compare-refused');
    expect(refused.getAttribute('role')).toBe('alert');
    expect(refused.textContent).toContain('1 question only in A: conv-b #0 (evidence)');
    expect(refused.textContent).toContain('1 question at the same place hold another gold (another data file?): conv-b #3 (evidence)');
    expect(within(refused).getByTestId('eval-compare-prompts').textContent).toBe(
      `evidence ran other prompts. A: ${JSON.parse(BASE).descriptions.evidence}. B: Answer Agent (answer-v3) over the evidence.`,
    );
    // No numbers until the reader accepts the intersection.
    expect(screen.queryByTestId('eval-compare-overall')).toBeNull();
    expect(screen.queryByTestId('eval-compare-questions')).toBeNull();

    await user.click(within(refused).getByTestId('eval-compare-shared'));
    expect(screen.getByTestId('eval-compare-intersection').textContent).toContain('over the 6 questions both runs answered');
    expect(within(screen.getByTestId('eval-compare-questions')).getAllByRole('row')).toHaveLength(7);
  });

  it('questions and answers are shown as text, never as markup', async () => {
    const { user } = setUp();
    const hostile = JSON.parse(TRAINED);
    hostile.results[0].prediction = '<img src=x onerror="globalThis.pwned=1"><b>bold</b>';
    const base = JSON.parse(BASE);
    base.results[0].question = hostile.results[0].question = '<script>globalThis.pwned=1</script>When?';
    await importFiles(user, [file(JSON.stringify(base), 'val-base.json'), file(JSON.stringify(hostile), 'val-hostile.json')]);
    await tick(user, 'val-base.json', 'val-hostile.json');
    const table = await screen.findByTestId('eval-compare-questions');
    expect(table.querySelector('img, b, script')).toBeNull();
    expect(table.textContent).toContain('<img src=x onerror="globalThis.pwned=1"><b>bold</b>');
    expect(table.textContent).toContain('<script>globalThis.pwned=1</script>When?');
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it('a file that is not a report is refused by name and stores nothing; the good one beside it still imports', async () => {
    const { db, user } = setUp();
    await importFiles(user, [file('{"conversation": [', 'locomo10.json'), file(BASE, 'val-base.json')]);
    expect(screen.getByTestId('eval-run-import-problem').textContent).toMatch(/^locomo10\.json is not JSON/);
    expect(screen.getByTestId('eval-run-imported').textContent).toContain('val-base.json');
    expect(await db.evalRuns.count()).toBe(1);
  });
});
