/**
 * The prefill-rate seed: what is stored per setup, what a later load reads back, what an answer's measure replaces,
 * and the real engine's rate on the test prompt (SmolLM2-135M GGUF in node-llama-cpp; needs `npm run models:fetch`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH } from '../../scripts/test-models';
import { createNodeLlamaCppClient, type NodeLlamaCppClient } from './nodeLlamaCppClient';
import {
  describePrefillRate,
  MIN_TIMED_PROMPT_TOKENS,
  measurePrefillRate,
  PREFILL_RATES_STORAGE_KEY,
  type PrefillRate,
  type PrefillRateStorage,
  prefillRateKey,
  readPrefillRate,
  recordAnswerPrefillRate,
  seededPrefillRate,
  seedPrefillRate,
  writePrefillRate,
} from './prefillRate';
import type { LLMClient } from './types';

/** The Web Storage API over a Map, as Node has no localStorage. */
function memoryStorage(): PrefillRateStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value) };
}

const cpu2 = { modelId: 'SmolLM2-135M', backend: 'cpu' as const, threads: 2 };
const rate = (tokensPerSecond: number, measuredOn: PrefillRate['measuredOn'] = 'probe'): PrefillRate => ({
  tokensPerSecond,
  promptTokens: 150,
  measuredOn,
  measuredAt: Date.UTC(2026, 11, 6),
  stored: false,
});

describe('prefill rate storage', () => {
  it('keeps one rate per model, backend and thread count, and reads it back as stored', () => {
    const storage = memoryStorage();
    writePrefillRate(storage, cpu2, rate(40));
    writePrefillRate(storage, { ...cpu2, threads: 1 }, rate(22));
    writePrefillRate(storage, { ...cpu2, backend: 'webgpu' }, rate(900));
    expect(readPrefillRate(storage, cpu2)).toEqual({ ...rate(40), stored: true });
    expect(readPrefillRate(storage, { ...cpu2, threads: 1 })?.tokensPerSecond).toBe(22);
    expect(readPrefillRate(storage, { ...cpu2, backend: 'webgpu' })?.tokensPerSecond).toBe(900);
    expect(readPrefillRate(storage, { ...cpu2, modelId: 'other' })).toBeNull();
    expect(Object.keys(JSON.parse(storage.getItem(PREFILL_RATES_STORAGE_KEY)!))).toEqual([
      prefillRateKey(cpu2),
      prefillRateKey({ ...cpu2, threads: 1 }),
      prefillRateKey({ ...cpu2, backend: 'webgpu' }),
    ]);
  });

  it('reads a damaged or invalid entry as none, and a new measure replaces it', () => {
    const storage = memoryStorage();
    storage.setItem(PREFILL_RATES_STORAGE_KEY, '{not json');
    expect(readPrefillRate(storage, cpu2)).toBeNull();
    storage.setItem(PREFILL_RATES_STORAGE_KEY, JSON.stringify({ [prefillRateKey(cpu2)]: { ...rate(-3) } }));
    expect(readPrefillRate(storage, cpu2)).toBeNull();
    storage.setItem(PREFILL_RATES_STORAGE_KEY, JSON.stringify({ [prefillRateKey(cpu2)]: { tokensPerSecond: 'fast' } }));
    expect(readPrefillRate(storage, cpu2)).toBeNull();
    writePrefillRate(storage, cpu2, rate(31));
    expect(readPrefillRate(storage, cpu2)?.tokensPerSecond).toBe(31);
  });

  it('a storage that refuses to write loses nothing already there and throws nothing', () => {
    const storage = memoryStorage();
    writePrefillRate(storage, cpu2, rate(40));
    const full: PrefillRateStorage = {
      getItem: storage.getItem,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    };
    expect(() => writePrefillRate(full, { ...cpu2, threads: 4 }, rate(70))).not.toThrow();
    expect(readPrefillRate(storage, cpu2)?.tokensPerSecond).toBe(40);
  });

  it('says where a rate comes from', () => {
    expect(describePrefillRate(rate(40))).toBe('measured on a 150-token test prompt when the model loaded');
    expect(describePrefillRate({ ...rate(40), stored: true })).toBe(
      'stored from a 150-token test prompt on 2026-12-06, on this model, backend and thread count',
    );
    expect(describePrefillRate(rate(40, 'answer'))).toBe("measured on an answer's 150-token prompt");
  });
});

describe('prefill rate on the real engine (SmolLM2-135M, node-llama-cpp)', () => {
  let llm: NodeLlamaCppClient;

  beforeAll(async () => {
    assertTestModelsPresent();
    llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH });
  });

  afterAll(async () => {
    await llm?.dispose();
  });

  it('times the test prompt read fresh, long enough to time', async () => {
    const measured = await measurePrefillRate(llm);
    expect(measured).not.toBeNull();
    expect(measured!.promptTokens).toBeGreaterThanOrEqual(MIN_TIMED_PROMPT_TOKENS);
    expect(measured!.tokensPerSecond).toBeGreaterThan(0);
    expect(measured).toMatchObject({ measuredOn: 'probe', stored: false });
    // Read again without the prompt cache: the same tokens, all fresh.
    expect((await measurePrefillRate(llm))!.promptTokens).toBe(measured!.promptTokens);
  });

  it('seeds a first load by timing, stores it, and seeds the next load from storage without a model call', async () => {
    const storage = memoryStorage();
    const first = await seedPrefillRate(llm, { setup: cpu2, storage });
    expect(first).toMatchObject({ measuredOn: 'probe', stored: false });
    expect(seededPrefillRate(llm)).toEqual(first);
    expect(readPrefillRate(storage, cpu2)).toEqual({ ...first!, stored: true });

    // A later load of the same setup: another client object, the stored rate, and no call to the engine.
    let calls = 0;
    const reloaded: LLMClient = {
      engine: llm.engine,
      modelId: llm.modelId,
      complete: (...args) => {
        calls++;
        return llm.complete(...args);
      },
      dispose: async () => {},
    };
    const second = await seedPrefillRate(reloaded, { setup: cpu2, storage });
    expect(calls).toBe(0);
    expect(second).toEqual({ ...first!, stored: true });
    expect(seededPrefillRate(reloaded)).toEqual(second);

    // An answer's measure replaces the seed and is what the next load reads.
    recordAnswerPrefillRate(reloaded, 55.5, 1200);
    expect(seededPrefillRate(reloaded)).toMatchObject({ tokensPerSecond: 55.5, promptTokens: 1200, measuredOn: 'answer' });
    expect(readPrefillRate(storage, cpu2)).toMatchObject({ tokensPerSecond: 55.5, measuredOn: 'answer', stored: true });
    // Too short to time: ignored.
    recordAnswerPrefillRate(reloaded, 999, MIN_TIMED_PROMPT_TOKENS - 1);
    expect(seededPrefillRate(reloaded)?.tokensPerSecond).toBe(55.5);
  });
});
