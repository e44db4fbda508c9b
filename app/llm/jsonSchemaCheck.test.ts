import { describe, expect, it } from 'vitest';
import { memoryUpdateSchema } from '../agent/prompts/memoryUpdatePrompt';
import { checkJsonAgainstSchema } from './jsonSchemaCheck';

/** The memory manager's own output schema, for one shown memory and one new fact. */
const MEMORY_OPS_SCHEMA = memoryUpdateSchema(1, 1);

describe('checkJsonAgainstSchema', () => {
  it('accepts a Memory-R1 operation list', async () => {
    const r = await checkJsonAgainstSchema('{"memory":[{"id":"0","text":"Adopted a dog named Buddy","event":"ADD"}]}', MEMORY_OPS_SCHEMA);
    expect(r).toMatchObject({ ok: true, errors: [] });
  });

  it('reports truncated output as not JSON', async () => {
    const r = await checkJsonAgainstSchema('{"memory":[{"id":"0","text":"Adopted', MEMORY_OPS_SCHEMA);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatch(/^not JSON/);
  });

  it('names every schema violation with its path', async () => {
    const r = await checkJsonAgainstSchema('{"memory":[{"id":"0","text":"x","event":"MERGE"},{"id":"1"}],"extra":1}', MEMORY_OPS_SCHEMA);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      '/memory Array has too many items (2 > 1).',
      '/memory/0/event Instance does not match any of ["ADD","UPDATE","DELETE","NOOP"].',
      '/memory/1 Instance does not have required property "text".',
      '/memory/1 Instance does not have required property "event".',
      '(root) Property "extra" does not match additional properties schema.',
    ]);
  });
});
