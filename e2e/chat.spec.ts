import { expect, test } from '@playwright/test';
import { docsScreenshot } from './docsScreenshot';

// The real 135M model follows the JSON schemas but not the task: assert on the bank and the distilled ids, not on
// the wisdom of the answer.
test('a chat turn produces visible memory operations, and a follow-up is answered from memory', async ({ page }) => {
  // Four model calls in WASM on 2 cores (answer, facts, answer again), each prompt re-read in full.
  test.setTimeout(1_200_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-loaded')).toBeVisible({ timeout: 120_000 });
  // The GGUF file was hashed after its download and held to the catalog's pin before wllama loaded it.
  await expect(page.getByTestId('model-loaded')).toContainText('file sha256 matches the catalog');
  await page.getByTestId('load-embedder').click();
  await expect(page.getByTestId('embedder-loaded')).toBeVisible({ timeout: 120_000 });

  await page.getByLabel('Message').fill('I adopted a dog named Buddy last week.');
  await page.getByTestId('send').click();
  await expect(page.getByTestId('chat-log').locator('li[data-role="assistant"]')).toHaveCount(1, { timeout: 400_000 });
  // The Memory Manager runs after the answer, in the background, and its operations show up live.
  await expect(page.getByTestId('ops-applied').locator('li').first()).toBeVisible({ timeout: 400_000 });
  await expect(page.getByTestId('manager-status')).toHaveText('Memory up to date', { timeout: 400_000 });
  const ops = await page
    .getByTestId('ops-applied')
    .locator('li')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-op')));
  expect(ops).toContain('ADD');

  const bank = await page.evaluate(async () => {
    const { db } = globalThis.memoryR1!.bank;
    return { memories: await db.memories.toArray(), history: await db.memoryHistory.toArray() };
  });
  expect(bank.memories.length).toBeGreaterThan(0);
  expect(bank.history.some((h) => h.op === 'ADD' && h.model === 'SmolLM2-135M-Instruct-Q4_1' && /memory-update|fact/.test(h.promptVersion))).toBe(true);

  // Each op in the stream names the turn that caused it and the model that proposed it.
  const firstAdd = page.getByTestId('ops-log').locator('li[data-event="applied"]').first();
  await expect(firstAdd).toContainText('User: I adopted a dog named Buddy last week.');
  await expect(firstAdd.getByTestId('op-model')).toHaveText('SmolLM2-135M-Instruct-Q4_1');
  await expect(firstAdd.locator('li[data-op="ADD"]').first()).toHaveCSS('border-left-color', 'rgb(31, 138, 76)');
  // An op opens its memory in the explorer, with the memory's history.
  const addedText = (await firstAdd.locator('li[data-op="ADD"]').first().locator('span').first().textContent())!;
  await firstAdd.locator('li[data-op="ADD"]').first().getByRole('button', { name: 'Open this memory in the explorer' }).click();
  await expect(page).toHaveURL(/#bank$/);
  await expect(page.getByTestId('memory-current')).toHaveText(addedText);
  await expect(page.getByTestId('memory-history').locator('li').first()).toHaveAttribute('data-op', 'ADD');
  await expect(page.getByTestId('memory-history').locator('li').first()).toContainText('SmolLM2-135M-Instruct-Q4_1');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Chat', exact: true }).click();

  // A known memory, stored by hand through the console handle (a synthetic but valid vector), as the bank's only
  // one: the manager's memories of the first turn are deleted by hand first, so whatever the answer cites must be it.
  const known = 'The user’s dog is called Buddy; he is a golden retriever.';
  const knownId = await page.evaluate(async (text) => {
    const { bank } = globalThis.memoryR1!;
    const embedding = new Float32Array(384).map((_, d) => Math.sin(d * 0.37) + 0.01);
    const earlier = (await bank.db.memories.where('namespace').equals('user:me').toArray()).map((m) => m.id);
    const ops = [...earlier.map((id) => ({ op: 'DELETE' as const, id })), { op: 'ADD' as const, text, embedding }];
    const result = await bank.apply({ namespace: 'user:me', ops, candidateIds: earlier, turnId: null, proposer: { model: 'manual', promptVersion: 'manual' } });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.history.find((h) => h.op === 'ADD')!.memoryId!;
  }, known);

  await page.getByLabel('Message').fill('What is the name of my dog?');
  await page.getByTestId('send').click();
  await expect(page.getByTestId('chat-log').locator('li[data-role="assistant"]')).toHaveCount(2, { timeout: 400_000 });
  const answer = await page.evaluate(async () => {
    const { db } = globalThis.memoryR1!.bank;
    const turns = await db.turns.filter((t) => t.role === 'assistant').sortBy('at');
    return turns.at(-1)!;
  });
  const ids = new Set([...bank.memories.map((m) => m.id), knownId]);
  // The answer is drawn from the known memory: the one the bank holds, cited by its real id.
  for (const id of answer.usedMemoryIds ?? []) expect(ids.has(id)).toBe(true);
  expect(answer.usedMemoryIds).toEqual([knownId]);
  expect(answer.sources?.find((s) => s.memoryId === knownId)?.text).toBe(known);
  const shown = page.getByTestId('chat-log').locator('li[data-role="assistant"]').last().locator('[data-memory-id]');
  await expect(shown).toHaveCount(answer.usedMemoryIds!.length);
  expect(answer.text.length).toBeGreaterThan(0);

  // The source shows the memory as the answer saw it, even after the memory changes; it links to the current one.
  await page.evaluate(async (id) => {
    const { bank } = globalThis.memoryR1!;
    const embedding = new Float32Array(384).map((_, d) => Math.cos(d * 0.37) + 0.01);
    const result = await bank.apply({
      namespace: 'user:me',
      ops: [{ op: 'UPDATE', id, text: 'The user’s dog Buddy died in 2025.', embedding }],
      candidateIds: [id],
      turnId: null,
      proposer: { model: 'manual', promptVersion: 'manual' },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
  }, knownId);
  const source = page.locator(`[data-testid="chat-log"] [data-memory-id="${knownId}"]`);
  await expect(source.locator('.source-text')).toHaveText(known);
  await source.getByRole('button', { name: 'changed since: see the current version' }).click();
  await expect(page.getByTestId('memory-current')).toHaveText('The user’s dog Buddy died in 2025.');
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Chat', exact: true }).click();
  // The README's picture of the chat: the conversation on the left, the memory operations on the right.
  await docsScreenshot(page, 'screenshot-chat.png');
});
