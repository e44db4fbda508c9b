import { describe, expect, it } from 'vitest';
import type { MemoryUpdateEntry } from './parseMemoryUpdate';
import { createShortIdMap, inShortIds, remapMemoryUpdate } from './remapMemoryIds';

const REAL = ['6f1c2a9e-1111-4e8b-9a3d-000000000001', '6f1c2a9e-2222-4e8b-9a3d-000000000002', '6f1c2a9e-3333-4e8b-9a3d-000000000003'];

describe('createShortIdMap', () => {
  it('numbers the memories in the order shown, both ways', () => {
    const map = createShortIdMap(REAL);
    expect(map.shortIds).toEqual(['0', '1', '2']);
    expect(map.toReal('1')).toBe(REAL[1]);
    expect(map.toShort(REAL[2]!)).toBe('2');
  });

  it.each(['3', '-1', '01', '1.0', ' 1', '', 'one', REAL[0]!])('knows no memory %j', (id) => {
    expect(createShortIdMap(REAL).toReal(id)).toBeUndefined();
  });

  it('refuses a memory listed twice', () => {
    expect(() => createShortIdMap(['a', 'a'])).toThrow(/listed twice/);
  });
});

describe('remapMemoryUpdate', () => {
  const map = createShortIdMap(REAL);

  it('maps UPDATE / DELETE / NOOP to real ids and drops the invented ADD id, keeping order', () => {
    const entries: MemoryUpdateEntry[] = [
      { id: '2', text: 'Melanie adopted two dogs, Buddy and Scout.', event: 'UPDATE' },
      { id: '9', text: 'Melanie started pottery classes.', event: 'ADD' },
      { id: '0', text: 'whatever', event: 'DELETE' },
      { id: '1', text: 'Melanie likes running.', event: 'NOOP' },
    ];
    expect(remapMemoryUpdate(entries, map)).toEqual({
      ok: true,
      value: [
        { event: 'UPDATE', memoryId: REAL[2], shortId: '2', text: 'Melanie adopted two dogs, Buddy and Scout.' },
        { event: 'ADD', text: 'Melanie started pottery classes.' },
        { event: 'DELETE', memoryId: REAL[0], shortId: '0' },
        { event: 'NOOP', memoryId: REAL[1], shortId: '1' },
      ],
    });
  });

  it('rejects ids that were not shown, naming the entry and the ids that were', () => {
    const result = remapMemoryUpdate(
      [
        { id: '3', text: 'x', event: 'UPDATE' },
        { id: REAL[0]!, text: 'x', event: 'DELETE' },
        { id: 'zero', text: 'x', event: 'NOOP' },
      ],
      map,
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'entry 0 (UPDATE): id "3" is not one of the memories shown (the ids shown are "0" to "2")',
        `entry 1 (DELETE): id "${REAL[0]!}" is not one of the memories shown (the ids shown are "0" to "2"); use the short number shown before each memory`,
        'entry 2 (NOOP): id "zero" is not one of the memories shown (the ids shown are "0" to "2")',
      ],
    });
  });

  it('with nothing shown, only ADD is possible', () => {
    const result = remapMemoryUpdate([{ id: '0', text: 'x', event: 'UPDATE' }], createShortIdMap([]));
    expect(result).toEqual({ ok: false, errors: ['entry 0 (UPDATE): no memories were shown, so there is nothing to update; use ADD'] });
  });
});

describe('inShortIds', () => {
  it("rewrites the bank's reasons in the model's terms", () => {
    const map = createShortIdMap(REAL);
    expect(inShortIds(`memory ${REAL[1]} already says this; use NOOP`, map)).toBe('memory "1" already says this; use NOOP');
    expect(inShortIds(`memory ${REAL[0]} is already the target of operation 2`, map)).toBe('memory "0" is already the target of entry 2');
    expect(inShortIds('the batch has no operations', map)).toBe('the batch has no entries');
  });
});
