/**
 * The embedder on the REAL q8 models through `@huggingface/transformers` in Node (onnxruntime-node, CPU).
 * Needs `npm run models:fetch`; fails (never skips) when the files are missing.
 */
import * as transformers from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTestModelsPresent, LOCAL_TRANSFORMERS_DIR } from '../../scripts/test-models';
import { createEmbedder, type Embedder } from './embedder';
import { cosineSimilarity, dot, norm, vectorAt } from './testing/vectorMath';

const DOG = 'I adopted a dog named Buddy';
const PET = 'My pet dog is called Buddy';
const STOCKS = 'The stock market fell today';

/**
 * Mixed lengths, so length-sorting reorders them and batches of 4 mix sizes. 'ok' and '' are degenerate inputs
 * (1 or 0 word pieces): q8's dynamic activation quantization depends on the whole batch, and MiniLM's mean over
 * 2-3 tokens amplifies that (measured batched-vs-single cosine 0.947 for 'ok', 0.97 for ''; every sentence here
 * is >= 0.989 for MiniLM and >= 0.994 for bge).
 */
const DEGENERATE = new Set(['ok', '']);
const TEXTS = [
  'Caroline went to the LGBTQ support group on Tuesday and said it was powerful.',
  'ok',
  DOG,
  'Melanie painted a sunrise over the lake last summer, and she wants to paint another one with her kids soon.',
  STOCKS,
  'Coffee?',
  'We are planning a camping trip to the mountains in July, probably with the whole family and the two dogs.',
  PET,
  'I started learning the violin at thirty-five.',
  'Jon lost his job as a banker and decided to open a dance studio.',
  '',
];

describe.each([
  { modelId: 'Xenova/bge-small-en-v1.5', pooling: 'cls' },
  { modelId: 'Xenova/all-MiniLM-L6-v2', pooling: 'mean' },
])('real $modelId ($pooling pooling)', ({ modelId }) => {
  let embedder: Embedder;

  beforeAll(async () => {
    assertTestModelsPresent();
    embedder = await createEmbedder(transformers, { modelId, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
  });

  afterAll(async () => {
    await embedder?.dispose();
  });

  it('returns 384-d unit vectors', async () => {
    expect(embedder.dims).toBe(384);
    const out = await embedder.embed(TEXTS);
    expect(out.length).toBe(TEXTS.length * 384);
    for (let i = 0; i < TEXTS.length; i++) {
      const v = vectorAt(out, i, 384);
      expect(Math.abs(norm(v) - 1), `norm of row ${i}`).toBeLessThan(1e-3);
      expect(v.every(Number.isFinite)).toBe(true);
    }
  });

  it('puts related sentences closer than unrelated ones', async () => {
    const out = await embedder.embed([DOG, PET, STOCKS]);
    const [dog, pet, stocks] = [0, 1, 2].map((i) => vectorAt(out, i, 384));
    expect(dot(dog!, pet!)).toBeGreaterThan(dot(dog!, stocks!) + 0.2);
    expect(dot(pet!, dog!)).toBeGreaterThan(dot(pet!, stocks!));
  });

  it('agrees batched vs one by one, in the caller order', async () => {
    const batched = await embedder.embed(TEXTS, { batchSize: 4 });
    const single: Float32Array[] = [];
    for (const t of TEXTS) single.push(await embedder.embed([t]));
    for (let i = 0; i < TEXTS.length; i++) {
      const row = vectorAt(batched, i, 384);
      const floor = DEGENERATE.has(TEXTS[i]!) ? 0.9 : 0.98;
      expect(cosineSimilarity(row, single[i]!), `row ${i}: ${JSON.stringify(TEXTS[i])}`).toBeGreaterThan(floor);
      // Row i is nearest to text i's own embedding among all texts: the order is the caller's.
      const nearest = single.map((s) => dot(row, s)).reduce((best, s, j, all) => (s > all[best]! ? j : best), 0);
      expect(nearest, `row ${i} nearest`).toBe(i);
    }
  });

  it('truncates an input longer than the model window instead of failing', async () => {
    const long = 'My dog Buddy loves long walks on the beach. '.repeat(200); // ~2,000 tokens
    const out = await embedder.embed([long, DOG]);
    expect(Math.abs(norm(vectorAt(out, 0, 384)) - 1)).toBeLessThan(1e-3);
  });
});
