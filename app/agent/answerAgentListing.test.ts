/**
 * The listing plan on its own: what is carried over, what the cap drops (from the end, never the cached prefix or a
 * retrieved memory) and what the latency budget cuts (by rank, never below the floor, never a cached memory).
 */
import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../memory/types';
import { estimateListingTokens, type ListingInput, type ListingItem, listingKey, planListing } from './answerAgentListing';

const memory = (n: number, day = 1 + (n % 20)): MemoryRecord => ({
  id: `m${String(n).padStart(3, '0')}`,
  namespace: 'user:x',
  text: `Memory number ${n} says something of about this length.`,
  embedding: new Float32Array(0),
  createdAt: 0,
  updatedAt: 0,
  sourceTurnIds: [],
  eventTime: `2023-05-${String(day).padStart(2, '0')}`,
});
const item = (n: number, score = 1 / (n + 1)): ListingItem => ({ memory: memory(n), score, ranks: { dense: n + 1 }, retrieved: true });
const dateOf = (m: MemoryRecord) => m.eventTime!;
const ids = (items: readonly ListingItem[]) => items.map((i) => i.memory.id);

function input(over: Partial<ListingInput>): ListingInput {
  return { retrieved: [], previous: [], stillCurrent: new Set(), reuse: true, maxListingTokens: 10_000, budgetTokens: null, minListed: 5, dateOf, ...over };
}

describe('planListing', () => {
  it('lists a first question’s memories in date order', () => {
    const plan = planListing(input({ retrieved: [item(3), item(1), item(2)] }));
    expect(ids(plan.listed)).toEqual(['m001', 'm002', 'm003']);
    expect(plan).toMatchObject({ cachedPrefix: 0, carried: 0, cutByBudget: 0 });
  });

  it('puts the previous listing first, unchanged, and what is newly retrieved after it', () => {
    const previous = [memory(5), memory(2), memory(9)];
    const plan = planListing(input({ retrieved: [item(9), item(1), item(2)], previous, stillCurrent: new Set(previous.map(listingKey)) }));
    expect(ids(plan.listed)).toEqual(['m005', 'm002', 'm009', 'm001']);
    expect(plan.cachedPrefix).toBe(3);
    expect(plan.carried).toBe(1);
    expect(plan.listed[0]).toMatchObject({ retrieved: false, score: 0 });
  });

  it('over the cap, drops memories not retrieved now from the end, keeping every retrieved one', () => {
    const previous = Array.from({ length: 30 }, (_, n) => memory(n));
    const retrieved = [item(0), item(40), item(41)];
    const cap = estimateListingTokens([...previous.slice(0, 10).map((m) => ({ ...item(0), memory: m })), item(40), item(41)], dateOf);
    const plan = planListing(input({ retrieved, previous, stillCurrent: new Set(previous.map(listingKey)), maxListingTokens: cap }));
    expect(ids(plan.listed).slice(0, 10)).toEqual(ids(previous.slice(0, 10).map((m) => ({ ...item(0), memory: m }))));
    expect(ids(plan.listed)).toEqual(expect.arrayContaining(['m000', 'm040', 'm041']));
    expect(estimateListingTokens(plan.listed, dateOf)).toBeLessThanOrEqual(cap);
    expect(plan.cachedPrefix).toBe(10);
  });

  it('never carries a memory that is no longer current', () => {
    const previous = [memory(1), memory(2)];
    const plan = planListing(input({ retrieved: [item(3)], previous, stillCurrent: new Set([listingKey(memory(2))]) }));
    expect(ids(plan.listed)).toEqual(['m002', 'm003']);
    expect(plan.cachedPrefix).toBe(0);
  });

  it('under a budget, cuts the lowest-ranked fresh memories first, keeps the cached prefix and the floor', () => {
    const previous = [memory(0), memory(1)];
    const retrieved = Array.from({ length: 12 }, (_, n) => item(n));
    const plan = planListing(input({ retrieved, previous, stillCurrent: new Set(previous.map(listingKey)), budgetTokens: 40 }));
    expect(ids(plan.listed).slice(0, 2)).toEqual(['m000', 'm001']);
    expect(plan.cutByBudget).toBeGreaterThan(0);
    expect(plan.listed.length).toBe(12 - plan.cutByBudget);
    const cut = retrieved.filter((r) => !plan.listed.some((l) => l.memory.id === r.memory.id));
    const keptFresh = plan.listed.slice(2);
    for (const c of cut) for (const k of keptFresh) expect(c.score).toBeLessThanOrEqual(k.score);
    const floor = planListing(input({ retrieved, reuse: false, budgetTokens: 0 }));
    expect(floor.listed).toHaveLength(5);
    expect(ids(floor.listed).sort()).toEqual(['m000', 'm001', 'm002', 'm003', 'm004']);
  });
});
