import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { MemoryDB, USER_DATA_TABLES } from './db';

describe('MemoryDB', () => {
  it('lists every table it has as user data (export, import and wipe go by this list)', () => {
    const db = new MemoryDB(`db-test-tables-${Math.random()}`, { indexedDB, IDBKeyRange });
    expect([...USER_DATA_TABLES].sort()).toEqual(db.tables.map((t) => t.name).sort());
  });

  it('turns version 1’s one chat per namespace into listed conversations, titled by their first message', async () => {
    const name = `db-test-upgrade-${Math.random()}`;
    const v1 = new Dexie(name, { indexedDB, IDBKeyRange });
    v1.version(1).stores({
      memories: 'id, namespace, updatedAt, eventTime, *sourceTurnIds',
      memoryHistory: 'id, batchId, memoryId, namespace, turnId, at, op',
      turns: 'id, namespace, conversationId, at',
      settings: 'key',
    });
    await v1.table('turns').bulkAdd([
      {
        id: 'a',
        namespace: 'user:me',
        conversationId: 'chat:user:me',
        speaker: 'User',
        role: 'user',
        text: 'I live in Lyon.\nAnd more',
        at: 10,
        sessionTime: '2026-01-01',
      },
      {
        id: 'b',
        namespace: 'user:me',
        conversationId: 'chat:user:me',
        speaker: 'Assistant',
        role: 'assistant',
        text: 'Nice.',
        at: 20,
        sessionTime: '2026-01-01',
      },
      {
        id: 'c',
        namespace: 'locomo:conv-26',
        conversationId: 'locomo:conv-26',
        speaker: 'Caroline',
        role: 'dialogue',
        text: 'Hi',
        at: 5,
        sessionTime: '2023-05-08',
      },
    ]);
    v1.close();

    const db = new MemoryDB(name, { indexedDB, IDBKeyRange });
    expect(await db.conversations.toArray()).toEqual([{ id: 'chat:user:me', namespace: 'user:me', title: 'I live in Lyon.', createdAt: 10, updatedAt: 20 }]);
    expect(await db.turns.count()).toBe(3);
    db.close();
  });
});
