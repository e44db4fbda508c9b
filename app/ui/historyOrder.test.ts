import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../memory/types';
import { orderHistory } from './historyOrder';

function row(id: string, op: HistoryRecord['op'], before: string | null, after: string | null, at: number): HistoryRecord {
  return { id, batchId: `b-${id}`, seq: 0, op, memoryId: 'm', namespace: 'user:me', before, after, turnId: null, at, model: 'manual', promptVersion: 'manual' };
}

describe('orderHistory', () => {
  it('orders by time', () => {
    const rows = [row('c', 'DELETE', 'v2', null, 30), row('a', 'ADD', null, 'v1', 10), row('b', 'UPDATE', 'v1', 'v2', 20)];
    expect(orderHistory(rows).map((h) => h.id)).toEqual(['a', 'b', 'c']);
  });

  it('chains rows written in the same millisecond by their texts', () => {
    // Stored in an order that time alone cannot fix: all four share one timestamp.
    const rows = [row('d', 'DELETE', 'v3', null, 5), row('c', 'UPDATE', 'v2', 'v3', 5), row('a', 'ADD', null, 'v1', 5), row('b', 'UPDATE', 'v1', 'v2', 5)];
    expect(orderHistory(rows).map((h) => h.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps every row even when the texts do not chain (an imported partial history)', () => {
    const rows = [row('x', 'UPDATE', 'p', 'q', 7), row('y', 'UPDATE', 'r', 's', 7)];
    expect(
      orderHistory(rows)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['x', 'y']);
  });
});
