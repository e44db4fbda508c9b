// Dexie's liveQuery (useLiveQuery) observes the global indexedDB, whatever the database was opened with.
import 'fake-indexeddb/auto';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryDB } from '../memory/db';
import { MemoryBank } from '../memory/memoryBank';
import { randomVector } from '../memory/testing/bankFixtures';
import { createVectorIndex } from '../memory/vectorIndex';
import { MemoryBankPanel } from './MemoryBankPanel';
import { wipeAllData } from './wipeAllData';

const opened: { bank: MemoryBank; db: MemoryDB }[] = [];
afterEach(() => {
  cleanup();
  for (const { bank, db } of opened.splice(0)) {
    bank.close();
    db.close();
  }
});

const proposer = { model: 'test', promptVersion: 'test' };

async function openBank() {
  const db = new MemoryDB(`memory-r1-panel-${Math.random()}`, { indexedDB, IDBKeyRange });
  // The bank's own changes channel, as in the app: the panel hears on it when the search indexes have a change.
  const bank = await MemoryBank.open({ db, index: await createVectorIndex({ dims: 384 }), lexicalPersistDelayMs: null });
  opened.push({ bank, db });
  return { db, bank };
}

async function add(bank: MemoryBank, text: string, seed: number): Promise<string> {
  const applied = await bank.apply({
    namespace: 'user:me',
    ops: [{ op: 'ADD', text, embedding: randomVector(seed) }],
    candidateIds: [],
    turnId: null,
    proposer,
  });
  if (!applied.ok) throw new Error(applied.errors.map((e) => e.reason).join('; '));
  return applied.history[0]!.memoryId!;
}

function hitTexts(): string[] {
  return within(screen.getByTestId('search-hits'))
    .queryAllByRole('listitem')
    .map((li) => li.querySelector('.memory-text')?.textContent ?? '');
}

describe('MemoryBankPanel search results follow the bank', () => {
  it('after an edit, a delete and a wipe the results are searched again, never left stale', async () => {
    const { bank } = await openBank();
    const buddy = await add(bank, 'Alice adopted a dog named Buddy', 1);
    await add(bank, 'Alice walks her dog every morning', 2);
    await add(bank, 'The stock market fell today', 3);
    const user = userEvent.setup();
    render(<MemoryBankPanel bank={bank} namespace="user:me" embedder={null} retrievalK={10} selectedId={null} onSelect={vi.fn()} />);

    await user.type(screen.getByLabelText('Search'), 'dog');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(hitTexts().sort()).toEqual(['Alice adopted a dog named Buddy', 'Alice walks her dog every morning']));
    expect(screen.queryByTestId('search-refreshed')).toBeNull();

    // An edit (here as the Memory Manager would make it, outside this panel): the hit shows the new text.
    const edited = await bank.apply({
      namespace: 'user:me',
      ops: [{ op: 'UPDATE', id: buddy, text: 'Alice adopted a dog named Max', embedding: randomVector(4) }],
      candidateIds: [buddy],
      turnId: null,
      proposer,
    });
    expect(edited.ok).toBe(true);
    await waitFor(() => expect(hitTexts().sort()).toEqual(['Alice adopted a dog named Max', 'Alice walks her dog every morning']));
    await waitFor(() => expect(screen.getByTestId('search-refreshed')).toBeDefined());

    // A delete: the hit is gone.
    const deleted = await bank.apply({ namespace: 'user:me', ops: [{ op: 'DELETE', id: buddy }], candidateIds: [buddy], turnId: null, proposer });
    expect(deleted.ok).toBe(true);
    await waitFor(() => expect(hitTexts()).toEqual(['Alice walks her dog every morning']));

    // A new memory that matches shows up too, once the search has run again.
    await add(bank, 'Bob has a dog called Rex', 5);
    await waitFor(() => expect(hitTexts()).toContain('Bob has a dog called Rex'));

    // A wipe: nothing left to show, and the panel says so.
    await wipeAllData(bank);
    await waitFor(() => expect(hitTexts()).toEqual([]));
    expect(screen.getByText('No memory matches.')).toBeDefined();
  });
});
