/**
 * Server-Sent Events over a fetch body (`ReadableStream<Uint8Array>`), parsed by eventsource-parser (the WHATWG
 * event-stream format: BOM, CRLF / LF / lone CR, comments, multi-line data, bytes split anywhere between chunks).
 * eventsource-parser is pinned to 3.1: its 4.x drops a partial line whose field it does not know, which would lose
 * llama.cpp's `error:` line when it arrives split across chunks.
 *
 * Two deliberate leniencies, for real servers rather than the spec's browsers:
 * - At the end of the stream an event whose blank line never came is still dispatched (the spec drops it); servers
 *   that close right after their last `data:` line exist, and a cut-off JSON payload fails loudly downstream anyway.
 * - llama.cpp's server reports a failure mid-stream as an `error: {...}` line, which the spec would ignore as an
 *   unknown field; here it is dispatched as an event of type `error` carrying that value as its data.
 *
 * Browser-safe: no Node imports.
 */
import { createParser } from 'eventsource-parser';

export interface SSEMessage {
  /** The `event` field; `message` when none was given. */
  event: string;
  /** The `data` lines joined with "\n". */
  data: string;
  /** The last `id` seen on the stream ('' when none). */
  lastEventId: string;
}

/**
 * Reads the whole stream into SSE messages. Cancels the stream when the consumer stops early (`break`, a throw) so
 * the underlying connection is released.
 */
export async function* readSSE(body: ReadableStream<Uint8Array>): AsyncGenerator<SSEMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let lastEventId = '';
  const pending: SSEMessage[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) lastEventId = event.id;
      pending.push({ event: event.event ?? 'message', data: event.data, lastEventId });
    },
    onError: (error) => {
      if (error.type === 'unknown-field' && error.field === 'error') pending.push({ event: 'error', data: error.value ?? '', lastEventId });
    },
  });
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        // A last line and event without their line ends: end them, so they are dispatched (see above).
        parser.feed(`${decoder.decode()}\n\n`);
      } else {
        parser.feed(decoder.decode(value, { stream: true }));
      }
      while (pending.length > 0) yield pending.shift()!;
      if (done) return;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
