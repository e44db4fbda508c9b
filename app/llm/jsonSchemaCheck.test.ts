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
    expect(r.errors.join('\n')).toContain('/memory/0/event must be equal to one of the allowed values');
    expect(r.errors.join('\n')).toContain("/memory/1 must have required property 'text'");
    expect(r.errors.join('\n')).toContain('(root) must NOT have additional properties');
  });
});
