/** The bank's retrieval index falls back to the page's thread when its worker cannot start, and then works alike. */
import { describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../lib/seededRandom';
import { MemoryBank } from './memoryBank';
import type { RetrievalWorkerLike } from './retrievalClient';
import { openRetrievalIndex } from './retrievalIndex';
import { openTestBank } from './testing/bankFixtures';
import { MANUAL_PROPOSER } from './types';

const DIMS = 384;

/** A worker whose script fails to load: the browser fires 'error' on it, and nothing ever answers. */
class FailingWorker extends EventTarget implements RetrievalWorkerLike {
  terminated = false;
  postMessage(): void {
    setTimeout(() => this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message: 'Failed to fetch a worker script' })), 0);
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('openRetrievalIndex', () => {
  it('uses the in-thread index when the worker cannot start, says why, and the bank opens and searches on it', async () => {
    const worker = new FailingWorker();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opened = await openRetrievalIndex({ dims: DIMS, kernel: 'js', createWorker: () => worker });
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
    expect(worker.terminated).toBe(true);
    expect(opened.where).toBe('page');
    expect(opened.workerProblem).toBe('Retrieval worker failed: Failed to fetch a worker script');
    expect(opened.index).toMatchObject({ dims: DIMS, kernel: 'js' });

    const bank = await MemoryBank.open({ db: openTestBank(), index: opened.index, channelName: null, lexicalPersistDelayMs: null });
    const random = mulberry32(7);
    const vectors = Array.from({ length: 3 }, () => Float32Array.from({ length: DIMS }, () => random() - 0.5));
    const applied = await bank.apply({
      namespace: 'user:test',
      ops: vectors.map((embedding, i) => ({ op: 'ADD', text: `memory ${i}`, embedding, eventTime: null })),
      candidateIds: [],
      turnId: null,
      proposer: MANUAL_PROPOSER,
    });
    expect(applied.ok).toBe(true);
    // The exact index: each stored vector is its own nearest neighbour.
    for (const [i, vector] of vectors.entries()) {
      const [best] = await opened.index.search(vector, { k: 1 });
      expect(best?.score).toBeCloseTo(1, 5);
      expect((await bank.db.memories.get(best!.id))?.text).toBe(`memory ${i}`);
    }
    expect(await opened.index.clear()).toBe(0);
    opened.index.dispose();
    await expect(opened.index.search(vectors[0]!, { k: 1 })).rejects.toThrow('disposed');
    bank.close();
    bank.db.close();
  });
});
