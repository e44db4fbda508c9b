/**
 * wllama, web-llm and OpenAI-compatible servers all stream chat completions as OpenAI-shaped chunks; this reads
 * one such stream into the text, the finish reason and the last usage/timings any chunk carried.
 */

export interface ChatStreamChunk<Usage, Timings> {
  choices: ReadonlyArray<{ delta: { content?: string | null }; finish_reason: string | null } | undefined>;
  usage?: Usage | null;
  timings?: Timings;
}

export interface CollectedChatStream<Usage, Timings> {
  text: string;
  finishReason: string | null;
  usage: Usage | undefined;
  timings: Timings | undefined;
}

export async function collectChatStream<Usage, Timings>(
  stream: AsyncIterable<ChatStreamChunk<Usage, Timings>>,
  onToken?: (delta: string) => void,
): Promise<CollectedChatStream<Usage, Timings>> {
  const collected: CollectedChatStream<Usage, Timings> = { text: '', finishReason: null, usage: undefined, timings: undefined };
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    const delta = choice?.delta.content ?? '';
    if (delta) {
      collected.text += delta;
      onToken?.(delta);
    }
    if (choice?.finish_reason) collected.finishReason = choice.finish_reason;
    if (chunk.usage) collected.usage = chunk.usage;
    if (chunk.timings) collected.timings = chunk.timings;
  }
  return collected;
}
