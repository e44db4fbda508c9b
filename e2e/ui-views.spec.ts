import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { docsScreenshot } from './docsScreenshot';

const LOCOMO_FIXTURE = path.resolve('app/eval/fixtures/locomo-fixture.json');
const HOSTILE = '<img src=x onerror="window.__pwned = true">Bob likes <b>green tea</b>';

async function view(page: Page, name: 'Chat' | 'Memory bank' | 'Replay' | 'Settings') {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).click();
}

async function loadEmbedder(page: Page) {
  await view(page, 'Chat');
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
}

/**
 * Seeds the bank through the console handle (no model needed): a memory added and then updated by a "model",
 * with the turns that caused it, a hostile text, and one more. Vectors are synthetic but valid (384-d, non-zero).
 */
async function seed(page: Page) {
  await page.waitForFunction(() => globalThis.memoryR1?.bank !== undefined);
  return page.evaluate(async (hostile) => {
    const bank = globalThis.memoryR1!.bank;
    const vector = (seed: number) => {
      const v = new Float32Array(384);
      for (let d = 0; d < 384; d++) v[d] = Math.sin(seed * 7.1 + d * 0.37) + 0.01;
      return v;
    };
    const proposer = { model: 'e2e-model', promptVersion: 'e2e' };
    const namespace = 'user:me';
    await bank.db.turns.bulkPut([
      { id: 'e2e:D1:1', namespace, conversationId: 'e2e', speaker: 'Alice', role: 'dialogue', text: 'I got a dog, Buddy!', at: 1, sessionTime: '2024-03-01' },
      {
        id: 'e2e:D2:1',
        namespace,
        conversationId: 'e2e',
        speaker: 'Alice',
        role: 'dialogue',
        text: 'I renamed Buddy to Max.',
        at: 2,
        sessionTime: '2024-03-08',
      },
    ]);
    const added = await bank.apply({
      namespace,
      ops: [
        { op: 'ADD', text: 'Alice has a dog named Buddy', embedding: vector(1) },
        { op: 'ADD', text: hostile, embedding: vector(2) },
        { op: 'ADD', text: 'Carol works as a nurse', embedding: vector(3) },
      ],
      candidateIds: [],
      turnId: 'e2e:D1:1',
      proposer,
    });
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
    const dogId = added.history[0]!.memoryId!;
    const updated = await bank.apply({
      namespace,
      ops: [{ op: 'UPDATE', id: dogId, text: 'Alice has a dog named Max', embedding: vector(4) }],
      candidateIds: [dogId],
      turnId: 'e2e:D2:1',
      proposer,
    });
    if (!updated.ok) throw new Error(JSON.stringify(updated.errors));
    return { dogId };
  }, HOSTILE);
}

test('the bank explorer: hybrid search with its reasons, a memory’s history in order with word diffs, edit and delete by hand, hostile text as text, export → wipe → import, keyboard and a narrow window', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/#bank');
  const { dogId } = await seed(page);
  await expect(page.getByTestId('bank-count')).toHaveText('3 memories in user:me');

  // Without the embedding model, search runs lexical-only and says so instead of failing; editing waits for it.
  await page.getByLabel('Search', { exact: true }).fill('dog');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('dense-off')).toHaveText('dense search off: embedding model not loaded');
  await expect(page.getByTestId('search-hits').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('search-hits').getByTestId('hit-ranks')).toHaveText('lexical #1');
  await page.getByRole('button', { name: 'History of memory: Alice has a dog named Max' }).click();
  await expect(page.getByRole('button', { name: 'Edit', exact: true })).toBeDisabled();
  await expect(page.getByTestId('edit-needs-embedder')).toBeVisible();

  // With it: the same search fuses both retrievers and shows each one's rank.
  await loadEmbedder(page);
  await view(page, 'Memory bank');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('dense-off')).toHaveCount(0);
  await expect(page.getByTestId('search-hits').locator('li').first()).toContainText('Alice has a dog named Max');
  await expect(page.getByTestId('search-hits').locator('li').first().getByTestId('hit-ranks')).toHaveText(/^lexical #1, dense #\d+$/);

  // Edit by hand: an UPDATE from the `manual` proposer, embedded by the loaded model, recorded in the history.
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  await page.getByLabel('Memory text', { exact: true }).fill('Alice has a cat named Max');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('memory-current')).toHaveText('Alice has a cat named Max');
  const timeline = page.getByTestId('memory-history').locator('li');
  await expect(timeline).toHaveCount(3);
  expect(await timeline.evaluateAll((els) => els.map((e) => e.getAttribute('data-op')))).toEqual(['ADD', 'UPDATE', 'UPDATE']);
  await expect(timeline.nth(0)).toContainText('e2e-model');
  await expect(timeline.nth(0)).toContainText('Alice: I got a dog, Buddy!');
  await expect(timeline.nth(1)).toContainText('Alice: I renamed Buddy to Max.');
  // Each UPDATE shows its word diff: what the memory lost struck out, what it gained marked.
  await expect(timeline.nth(1).getByTestId('word-diff').locator('del')).toHaveText(['Buddy']);
  await expect(timeline.nth(1).getByTestId('word-diff').locator('ins')).toHaveText(['Max']);
  await expect(timeline.nth(2)).toContainText('by hand');
  await expect(timeline.nth(2).getByTestId('word-diff').locator('del')).toHaveText(['dog']);
  await expect(timeline.nth(2).getByTestId('word-diff').locator('ins')).toHaveText(['cat']);
  const stored = await page.evaluate(async (id) => {
    const { db } = globalThis.memoryR1!.bank;
    const rows = await db.memoryHistory.where('memoryId').equals(id).sortBy('at');
    const memory = (await db.memories.get(id))!;
    const norm = Math.hypot(...memory.embedding);
    return { rows: rows.map((r) => [r.op, r.model, r.before, r.after]), norm, first: memory.embedding[0] };
  }, dogId);
  expect(stored.rows).toEqual([
    ['ADD', 'e2e-model', null, 'Alice has a dog named Buddy'],
    ['UPDATE', 'e2e-model', 'Alice has a dog named Buddy', 'Alice has a dog named Max'],
    ['UPDATE', 'manual', 'Alice has a dog named Max', 'Alice has a cat named Max'],
  ]);
  // The edit brought its own embedding (unit length, not the seeded vector), so dense search finds what it now says.
  expect(stored.norm).toBeCloseTo(1, 3);

  // Filter by operation; delete by hand, and the deleted memory is still there to look at under DELETE.
  await page.getByLabel('Operation', { exact: true }).selectOption('UPDATE');
  await expect(page.getByTestId('memory-list').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('memory-list')).toContainText('Alice has a cat named Max');
  await page.getByLabel('Operation', { exact: true }).selectOption('');
  await page.getByRole('button', { name: 'Delete memory: Carol works as a nurse' }).click();
  await expect(page.getByTestId('bank-count')).toHaveText('2 memories in user:me');
  await page.getByLabel('Operation', { exact: true }).selectOption('DELETE');
  await expect(page.getByTestId('memory-list').locator('li del')).toHaveText(['Carol works as a nurse']);
  await page.getByLabel('Operation', { exact: true }).selectOption('');

  // Hostile memory text is text everywhere: the list, the search results, the history.
  await page.getByLabel('Search', { exact: true }).fill('green tea');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('search-hits').getByText(HOSTILE, { exact: true })).toBeVisible();
  await page.getByRole('button', { name: `History of memory: ${HOSTILE}` }).click();
  await expect(page.getByTestId('memory-current')).toHaveText(HOSTILE);
  await expect(page.getByTestId('memory-list').getByText(HOSTILE, { exact: true })).toBeVisible();
  expect(await page.locator('main img, main b').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned)).toBeUndefined();

  await page.getByRole('button', { name: 'History of memory: Alice has a cat named Max' }).click();
  await docsScreenshot(page, 'screenshot-memory-bank.png');

  // Export, then wipe (after a confirmation that can be cancelled), then import: the bank and its history are back.
  await view(page, 'Settings');
  const counts = page.getByTestId('data-counts');
  await expect(counts).toHaveText('2 memories, 6 history rows, 2 turns in this browser');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export bank' }).click();
  const file = await (await download).path();
  await page.getByRole('button', { name: 'Wipe all data…' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('2 memories, 6 history rows and 2 turns');
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await docsScreenshot(page, 'screenshot-settings.png');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(counts).toHaveText('2 memories, 6 history rows, 2 turns in this browser');
  await page.getByRole('button', { name: 'Wipe all data…' }).click();
  await page.getByRole('button', { name: 'Wipe everything' }).click();
  await expect(page.getByTestId('data-notice')).toContainText('Wiped 2 memories, 6 history rows and 2 turns');
  await expect(counts).toHaveText('0 memories, 0 history rows, 0 turns in this browser');
  await view(page, 'Memory bank');
  await expect(page.getByTestId('bank-count')).toHaveText('0 memories in user:me');
  await expect(page.getByTestId('memory-list').locator('li')).toHaveCount(0);

  await view(page, 'Settings');
  await page.getByTestId('import-file').setInputFiles(file);
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('data-notice')).toContainText('Imported 2 memories, 6 history rows and 2 turns');
  await view(page, 'Memory bank');
  await expect(page.getByTestId('bank-count')).toHaveText('2 memories in user:me');
  await page.getByRole('button', { name: 'History of memory: Alice has a cat named Max' }).click();
  // The history re-renders from the imported rows: wait for it, as above, before reading it once.
  await expect(timeline).toHaveCount(3);
  expect(await timeline.evaluateAll((els) => els.map((e) => e.getAttribute('data-op')))).toEqual(['ADD', 'UPDATE', 'UPDATE']);
  // Both retrievers were rebuilt from the imported rows.
  await page.getByLabel('Search', { exact: true }).fill('cat');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('search-hits').locator('li').first().getByTestId('hit-ranks')).toHaveText(/^lexical #1, dense #\d+$/);

  // Keyboard: the views are links in the tab order.
  await page.getByRole('heading', { name: 'Memory-R1', level: 1 }).click();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Chat', exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Replay', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#replay$/);

  // A narrow window: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 800 });
  await view(page, 'Memory bank');
  await expect(page.getByTestId('bank-count')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await docsScreenshot(page, 'screenshot-narrow.png');
});

test('replay plays LoCoMo turns into the Memory Manager with step, play and pause, and keeps its place', async ({ page }) => {
  // Two turns on the real 135M model in WASM (the second with two model calls: ~700 prompt tokens at ~27 tok/s);
  // several times slower when other work shares the CPU, hence the generous limits.
  test.setTimeout(1_200_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });
  await view(page, 'Replay');

  // A file that is not LoCoMo is refused with the reason.
  await page.getByTestId('replay-file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"notes": []}') });
  await expect(page.getByTestId('replay-problem')).toContainText('not a LoCoMo file');

  await page.getByTestId('replay-file').setInputFiles(LOCOMO_FIXTURE);
  await expect(page.getByRole('combobox', { name: 'Conversation' })).toHaveValue('conv-26');
  // The picker says which file was chosen (it said "No file chosen" once the file was read).
  await expect(page.getByTestId('replay-file-name')).toHaveText('locomo-fixture.json');
  expect(await page.getByTestId('replay-file').evaluate((input: HTMLInputElement) => input.files?.[0]?.name)).toBe('locomo-fixture.json');
  const position = page.getByTestId('replay-position');
  await expect(position).toHaveText(/^0 of \d+ turns played — paused$/);
  const total = Number((await position.textContent())!.split(' ')[2]);

  // Play, and pause while the first turn is in flight: that turn completes (its batch applied or rejected whole),
  // then the replay stops; the op stream shows the turn's outcome under the turn's text.
  await page.getByTestId('replay-play').click();
  await expect(position).toHaveText(`0 of ${total} turns played — remembering turn 1`);
  await page.getByTestId('replay-pause').click();
  await expect(page.getByTestId('replay-pause')).toHaveText('Pausing after this turn…');
  await expect(position).toHaveText(`1 of ${total} turns played — paused`, { timeout: 400_000 });
  await expect(page.getByTestId('ops-log')).toContainText('Maya: Hi Theo! It has been a while. How are things with you?');
  await expect(page.getByTestId('replay-turns').locator('li[data-state="played"]')).toHaveCount(1);

  // Nothing lost: every played turn is stored with its session date, the position is saved, and every history row
  // comes from a played turn.
  const check = async () =>
    page.evaluate(async () => {
      const { db } = globalThis.memoryR1!.bank;
      const turns = await db.turns.where('conversationId').equals('locomo:conv-26').toArray();
      const history = await db.memoryHistory.where('namespace').equals('locomo:conv-26').toArray();
      const saved = await db.settings.get('replay.position:conv-26');
      return { turns: turns.map((t) => [t.id, t.sessionTime]).sort(), historyTurns: [...new Set(history.map((h) => h.turnId))], saved: saved?.value };
    });
  const expected = (n: number) => Array.from({ length: n }, (_, i) => [`conv-26:D1:${i + 1}`, '2023-05-08T13:56']).sort();
  let stored = await check();
  expect(stored.saved).toBe(1);
  expect(stored.turns).toEqual(expected(1));
  for (const t of stored.historyTurns) expect(t).toBe('conv-26:D1:1');

  // Resuming (one step) continues at the next turn, and only that one.
  await page.getByTestId('replay-step').click();
  await expect(position).toHaveText(`1 of ${total} turns played — remembering turn 2`);
  await expect(position).toHaveText(`2 of ${total} turns played — paused`, { timeout: 600_000 });
  await expect(page.getByTestId('ops-log')).toContainText('Theo: Hi Maya! Busy with the bakery and the twins.');
  await docsScreenshot(page, 'screenshot-replay.png');
  stored = await check();
  expect(stored.saved).toBe(2);
  expect(stored.turns).toEqual(expected(2));
  for (const t of stored.historyTurns) expect(expected(2).map((e) => e[0])).toContain(t);

  // The place survives a reload: choosing the file again picks up where the replay stopped.
  await page.reload();
  await expect(page).toHaveURL(/#replay$/);
  await page.getByTestId('replay-file').setInputFiles(LOCOMO_FIXTURE);
  await expect(position).toHaveText(`2 of ${total} turns played — paused`);
  await expect(page.getByTestId('replay-play')).toBeDisabled();
});
