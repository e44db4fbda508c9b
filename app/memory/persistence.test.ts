import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { MemoryDB } from './db';
import { requestPersistenceOnce } from './persistence';
import { openTestBank } from './testing/bankFixtures';

let db: MemoryDB;
beforeEach(() => {
  db = openTestBank();
});
afterEach(async () => {
  await db.delete();
});

function storage(grant: boolean, persisted = false) {
  const calls = { persist: 0 };
  return {
    calls,
    persist: async () => {
      calls.persist += 1;
      return grant;
    },
    persisted: async () => persisted,
  };
}

describe('requestPersistenceOnce', () => {
  it('asks once, remembers the answer, and never asks again', async () => {
    const s = storage(true);
    expect(await requestPersistenceOnce(db, s, () => 5)).toBe('granted');
    expect(await requestPersistenceOnce(db, s)).toBe('asked-before');
    expect(s.calls.persist).toBe(1);
    expect(await db.settings.get('storage.persistRequested')).toEqual({ key: 'storage.persistRequested', value: { at: 5, outcome: 'granted' } });
  });

  it('reports a refusal, an already persistent origin, and a browser without the API', async () => {
    expect(await requestPersistenceOnce(db, storage(false))).toBe('denied');
    await db.settings.clear();
    const s = storage(true, true);
    expect(await requestPersistenceOnce(db, s)).toBe('already-persistent');
    expect(s.calls.persist).toBe(0);
    await db.settings.clear();
    expect(await requestPersistenceOnce(db, undefined)).toBe('unsupported');
  });
});

describe('device-local settings', () => {
  it('are left out of a whole-bank export', async () => {
    const { exportBank } = await import('./exportImport');
    const { installBrowserFileShims } = await import('./testing/browserFileShims');
    const removeShims = installBrowserFileShims();
    onTestFinished(removeShims);
    await requestPersistenceOnce(db, storage(true));
    await db.settings.put({ key: 'replay.position:conv-1', value: 3 });
    const text = await (await exportBank(db)).text();
    expect(text).toContain('replay.position:conv-1');
    expect(text).not.toContain('storage.persistRequested');
  });
});
