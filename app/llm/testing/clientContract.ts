// What every LLMClient must do with a schema-constrained call, checked the same way for each engine's tests.
import { expect } from 'vitest';
import { memoryUpdateSchema } from '../../agent/prompts/memoryUpdatePrompt';
import { checkJsonAgainstSchema } from '../jsonSchemaCheck';
import type { ChatMessage, CompletionResult, LLMClient } from '../types';

export const MANAGER_PROBE_MESSAGES: ChatMessage[] = [
  {
    role: 'system',
    content:
      'You are the memory manager. Compare the new fact with the existing memories and answer with JSON: ' +
      '{"memory":[{"id":"<id>","text":"<memory text>","event":"ADD|UPDATE|DELETE|NOOP"}]}.',
  },
  { role: 'user', content: 'Existing memories: [{"id":"0","text":"Lives in Berlin"}]\nNew fact: I moved to Paris.' },
];

/** The memory manager's own output schema for the probe: one shown memory, one new fact. */
const MEMORY_OPS_SCHEMA = memoryUpdateSchema(1, 1);

/** A Memory-R1 operations reply under the schema: finished, valid, with real token counts and timings. */
export async function expectSchemaValidOpsReply(client: LLMClient, maxTokens = 64): Promise<CompletionResult> {
  const result = await client.complete(MANAGER_PROBE_MESSAGES, { maxTokens, jsonSchema: MEMORY_OPS_SCHEMA });
  expect(result.finishReason, `did not finish: ${result.text}`).toBe('stop');
  expect(await checkJsonAgainstSchema(result.text, MEMORY_OPS_SCHEMA)).toMatchObject({ ok: true, errors: [] });
  expect(result.usage.promptTokens).toBeGreaterThan(0);
  expect(result.usage.completionTokens).toBeGreaterThan(0);
  expect(result.usage.completionTokens).toBeLessThanOrEqual(maxTokens);
  expect(result.timings.totalMs).toBeGreaterThan(0);
  expect(result.timings.prefillMs).toBeGreaterThan(0);
  expect(result.timings.decodeMs).toBeGreaterThanOrEqual(0);
  return result;
}

/** Streamed pieces arrive one by one and join to exactly the returned text. */
export async function expectStreamedDeltasJoinToText(client: LLMClient): Promise<void> {
  const deltas: string[] = [];
  const result = await client.complete([{ role: 'user', content: 'Name three colours.' }], {
    maxTokens: 24,
    onToken: (delta) => deltas.push(delta),
  });
  expect(deltas.length).toBeGreaterThan(1);
  expect(deltas.join('')).toBe(result.text);
}
