import { describe, expect, it } from 'vitest';
import type { ChatStreamChunk } from './chatStream';
import { collectChatStream } from './chatStream';

type Usage = { prompt_tokens: number; completion_tokens: number };
type Timings = { prompt_ms: number };

async function* chunks(list: ChatStreamChunk<Usage, Timings>[]) {
  for (const c of list) yield c;
}

describe('collectChatStream', () => {
  it('joins deltas, streams them in order, and keeps the finish reason, usage and timings of the last chunks', async () => {
    const seen: string[] = [];
    const result = await collectChatStream(
      chunks([
        { choices: [{ delta: { content: '{"a"' }, finish_reason: null }] },
        { choices: [{ delta: { content: null }, finish_reason: null }] },
        { choices: [{ delta: { content: ':1}' }, finish_reason: 'length' }], timings: { prompt_ms: 5 } },
        // llama.cpp and OpenAI send usage in a last chunk with no choices.
        { choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } },
      ]),
      (d) => seen.push(d),
    );
    expect(result).toEqual({ text: '{"a":1}', finishReason: 'length', usage: { prompt_tokens: 12, completion_tokens: 3 }, timings: { prompt_ms: 5 } });
    expect(seen).toEqual(['{"a"', ':1}']);
  });

  it('reports an empty stream as empty, not as an error', async () => {
    expect(await collectChatStream(chunks([]))).toEqual({ text: '', finishReason: null, usage: undefined, timings: undefined });
  });
});
