import { describe, expect, it } from 'vitest';
import { parseMemoryUpdate } from './parseMemoryUpdate';

describe('parseMemoryUpdate', () => {
  it('reads Memory-R1 entries, old_memory included', () => {
    const text = JSON.stringify({
      memory: [
        { id: '0', text: 'Melanie adopted two dogs, Buddy and Scout.', event: 'UPDATE', old_memory: 'Melanie adopted a dog named Buddy.' },
        { id: '7', text: 'Melanie started pottery classes.', event: 'ADD' },
        { id: '1', text: 'Melanie likes running.', event: 'NOOP' },
        { id: '2', text: '', event: 'DELETE' },
      ],
    });
    expect(parseMemoryUpdate(text)).toEqual({
      ok: true,
      value: [
        { id: '0', text: 'Melanie adopted two dogs, Buddy and Scout.', event: 'UPDATE', oldMemory: 'Melanie adopted a dog named Buddy.' },
        { id: '7', text: 'Melanie started pottery classes.', event: 'ADD' },
        { id: '1', text: 'Melanie likes running.', event: 'NOOP' },
        { id: '2', text: '', event: 'DELETE' },
      ],
    });
  });

  it('lets ADDs share an invented id (it is ignored)', () => {
    const result = parseMemoryUpdate('{"memory":[{"id":"3","text":"a","event":"ADD"},{"id":"3","text":"b","event":"ADD"}]}');
    expect(result.ok).toBe(true);
  });

  it.each([
    ['', /empty/],
    ['{"memory":[{"id":"0","text":"Mel', /not valid JSON/],
    ['{"memory":[]}', /"memory" is empty; give one entry for each new fact/],
    ['{"memory":{}}', /"memory" must be an array of entries, got an object/],
    ['{"memories":[]}', /unexpected field "memories"[\s\S]*"memory" must be an array/],
    ['{"memory":[null]}', /entry 0 must be an object, got null/],
    ['{"memory":[{"id":"0","text":"x","event":"MERGE"}]}', /entry 0: unknown event "MERGE"; expected ADD, UPDATE, DELETE or NOOP/],
    ['{"memory":[{"id":"0","text":"x","event":"update"}]}', /entry 0: unknown event "update"/],
    ['{"memory":[{"id":0,"text":"x","event":"UPDATE"}]}', /entry 0 \(UPDATE\): "id" must be a string, got number 0/],
    ['{"memory":[{"text":"x","event":"DELETE"}]}', /entry 0 \(DELETE\): "id" must be a string, got nothing/],
    ['{"memory":[{"id":" ","text":"x","event":"NOOP"}]}', /entry 0 \(NOOP\): "id" is empty/],
    ['{"memory":[{"id":"0","event":"UPDATE"}]}', /entry 0 \(UPDATE\): "text" must be a string, got nothing/],
    ['{"memory":[{"id":"0","text":"  ","event":"UPDATE"}]}', /entry 0 \(UPDATE\): "text" is empty; UPDATE needs the memory's text/],
    ['{"memory":[{"id":"0","text":"x","event":"UPDATE","confidence":0.9}]}', /entry 0 \(UPDATE\): unexpected field "confidence"/],
    ['{"memory":[{"id":"0","text":"x","event":"UPDATE","old_memory":3}]}', /"old_memory" must be a string/],
    [`{"memory":[{"id":"0","text":"${'x'.repeat(241)}","event":"ADD"}]}`, /"text" is 241 characters; at most 240/],
    [
      '{"memory":[{"id":"0","text":"a","event":"UPDATE"},{"id":"0","text":"b","event":"DELETE"}]}',
      /entry 1 \(DELETE\): memory "0" is already the target of entry 0/,
    ],
  ])('rejects %j with a reason', (text, reason) => {
    const result = parseMemoryUpdate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(reason);
  });

  it('limits the number of entries when asked', () => {
    const text = '{"memory":[{"id":"0","text":"a","event":"ADD"},{"id":"1","text":"b","event":"ADD"}]}';
    expect(parseMemoryUpdate(text, { maxEntries: 2 }).ok).toBe(true);
    const result = parseMemoryUpdate(text, { maxEntries: 1 });
    expect(result).toEqual({ ok: false, errors: ['2 entries; at most 1 are allowed (one per new fact)'] });
  });

  it('reports every problem of every entry at once', () => {
    const result = parseMemoryUpdate('{"memory":[{"id":1,"text":"x","event":"UPDATE"},{"id":"2","text":null,"event":"NOPE"}]}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toHaveLength(3);
  });
});
