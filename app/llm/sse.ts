/**
 * A Server-Sent Events reader over a fetch body (`ReadableStream<Uint8Array>`), per the WHATWG event-stream
 * format: UTF-8 (a leading BOM dropped), lines ended by CRLF, LF or a lone CR, `field: value` lines (one space after
 * the colon removed), `:` comment lines ignored, `data` lines of one event joined with "\n", and an event dispatched
 * at each blank line. Bytes may be split anywhere between chunks — inside a line, between a CR and its LF, or inside
 * a multi-byte UTF-8 character.
 *
 * Two deliberate leniencies, for real servers rather than the spec's browsers:
 * - At the end of the stream an event whose blank line never came is still dispatched (the spec drops it); servers
 *   that close right after their last `data:` line exist, and a cut-off JSON payload fails loudly downstream anyway.
 * - llama.cpp's server reports a failure mid-stream as an `error: {...}` line, which the spec would ignore as an
 *   unknown field; here it is dispatched as an event of type `error` carrying that value as its data.
 *
 * Browser-safe: no Node imports.
 */

export interface SSEMessage {
  /** The `event` field; `message` when none was given. */
  event: string;
  /** The `data` lines joined with "\n". */
  data: string;
  /** The last `id` seen on the stream ('' when none). */
  lastEventId: string;
}

/** The payload OpenAI-compatible servers send as the last event of a stream. */
export const SSE_DONE = '[DONE]';

const LINE_END = /\r\n|\r|\n/g;

/**
 * Reads the whole stream into SSE messages. Cancels the stream when the consumer stops early (`break`, a throw) so
 * the underlying connection is released.
 */
export async function* readSSE(body: ReadableStream<Uint8Array>): AsyncGenerator<SSEMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  // The previous chunk ended with a CR: a LF at the start of the next one belongs to the same line end.
  let skipLeadingLF = false;
  let dataLines: string[] | undefined; // undefined = no `data` field in the current event yet
  let eventType = '';
  let lastEventId = '';
  let finished = false;

  const pending: SSEMessage[] = [];
  const dispatch = () => {
    if (dataLines !== undefined) {
      pending.push({ event: eventType || 'message', data: dataLines.join('\n'), lastEventId });
    }
    dataLines = undefined;
    eventType = '';
  };
  const processLine = (line: string) => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return; // comment (servers send these as keep-alives)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        (dataLines ??= []).push(value);
        break;
      case 'event':
        eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'error': // llama.cpp server (see above)
        eventType = 'error';
        (dataLines ??= []).push(value);
        break;
      default: // `retry` and unknown fields: nothing a fetch-based reader needs
        break;
    }
  };
  const processText = (text: string, final: boolean) => {
    if (skipLeadingLF && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      skipLeadingLF = false;
    }
    buffer += text;
    let start = 0;
    LINE_END.lastIndex = 0;
    for (let m = LINE_END.exec(buffer); m !== null; m = LINE_END.exec(buffer)) {
      // A CR as the very last character may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === buffer.length - 1) skipLeadingLF = true;
      processLine(buffer.slice(start, m.index));
      start = m.index + m[0].length;
    }
    buffer = buffer.slice(start);
    if (final) {
      if (buffer !== '') processLine(buffer);
      buffer = '';
      dispatch();
    }
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        processText(decoder.decode(), true);
      } else {
        processText(decoder.decode(value, { stream: true }), false);
      }
      while (pending.length > 0) yield pending.shift()!;
      if (done) return;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * The `data` payloads of a stream's messages (events of any type, as OpenAI-compatible servers send only
 * unnamed ones), ending at the `[DONE]` sentinel if one comes; the rest of the stream is then cancelled.
 */
export async function* readSSEData(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  for await (const message of readSSE(body)) {
    if (message.data === SSE_DONE) return;
    yield message.data;
  }
}
