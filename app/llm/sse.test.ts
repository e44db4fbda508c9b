import { describe, expect, it } from 'vitest';
import { readSSE, type SSEMessage } from './sse';

const encoder = new TextEncoder();

/** A body that delivers exactly these byte chunks, recording whether it was cancelled. */
function body(chunks: Uint8Array[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[i++];
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** The bytes of `text` cut at the given byte offsets. */
function splitAt(text: string, cuts: number[]): Uint8Array[] {
  const bytes = encoder.encode(text);
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, k) => bytes.slice(bounds[k], end));
}

/** Every single-byte chunking of `text`: the worst case for boundaries. */
function byteByByte(text: string): Uint8Array[] {
  return Array.from(encoder.encode(text), (b) => Uint8Array.of(b));
}

async function collect(chunks: Uint8Array[]): Promise<SSEMessage[]> {
  const out: SSEMessage[] = [];
  for await (const m of readSSE(body(chunks).stream)) out.push(m);
  return out;
}

const msg = (data: string, event = 'message', lastEventId = ''): SSEMessage => ({ event, data, lastEventId });

describe('readSSE', () => {
  it('parses LF-separated events with comments, multi-line data and the one optional space after the colon', async () => {
    const text =
      ': keep-alive\n' +
      'data: {"a":1}\n\n' +
      'data:first\ndata:  second\n\n' + // no space, then two spaces (one is kept)
      'event: ping\nid: 7\ndata: x\n\n' +
      'data\n\n' + // a field with no colon: empty data
      'retry: 1000\nunknown: y\n\n'; // no data: no event
    expect(await collect([encoder.encode(text)])).toEqual([msg('{"a":1}'), msg('first\n second'), msg('x', 'ping', '7'), msg('', 'message', '7')]);
  });

  it('treats CRLF, LF and lone CR line ends alike', async () => {
    const expected = [msg('one'), msg('two\nthree')];
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = `data: one${eol}${eol}data: two${eol}data: three${eol}${eol}`;
      expect(await collect([encoder.encode(text)]), JSON.stringify(eol)).toEqual(expected);
    }
  });

  it('gives the same events whatever the chunking: every single byte, and every two-way cut', async () => {
    // CRLF line ends (a cut can fall between CR and LF), multi-byte UTF-8 (a cut can fall inside a character:
    // 'é' is 2 bytes, '€' 3, '🦀' 4) and a comment.
    const text = ': hi\r\ndata: {"t":"é€🦀"}\r\n\r\ndata: a\r\ndata: 🦀b\r\n\r\n';
    const expected = [msg('{"t":"é€🦀"}'), msg('a\n🦀b')];
    expect(await collect(byteByByte(text))).toEqual(expected);
    const length = encoder.encode(text).length;
    for (let cut = 1; cut < length; cut++) {
      expect(await collect(splitAt(text, [cut])), `cut at byte ${cut}`).toEqual(expected);
    }
  });

  it('does not let a CR at the end of one chunk and a LF at the start of the next make an extra blank line', async () => {
    // Were "\r" + "\n" read as two line ends, `data: a` would be dispatched on its own before `data: b`.
    expect(await collect(splitAt('data: a\r\ndata: b\r\n\r\n', [8]))).toEqual([msg('a\nb')]);
  });

  it('drops a leading byte-order mark', async () => {
    expect(await collect([Uint8Array.of(0xef, 0xbb), Uint8Array.of(0xbf), encoder.encode('data: x\n\n')])).toEqual([msg('x')]);
  });

  it('dispatches a last event whose blank line never came, and ignores a stream that is only comments', async () => {
    expect(await collect([encoder.encode('data: a\n\ndata: b')])).toEqual([msg('a'), msg('b')]);
    expect(await collect([encoder.encode(': nothing here\n\n')])).toEqual([]);
    expect(await collect([])).toEqual([]);
  });

  it("reads llama.cpp's `error:` line as an event of type error", async () => {
    expect(await collect([encoder.encode('data: {"x":1}\n\nerror: {"message":"boom"}\n\n')])).toEqual([msg('{"x":1}'), msg('{"message":"boom"}', 'error')]);
  });

  it('cancels the stream when the consumer stops early, and not when it reads to the end', async () => {
    const early = body([encoder.encode('data: 1\n\ndata: 2\n\n'), encoder.encode('data: 3\n\n')]);
    for await (const m of readSSE(early.stream)) {
      expect(m.data).toBe('1');
      break;
    }
    expect(early.cancelled()).toBe(true);

    const full = body([encoder.encode('data: 1\n\n')]);
    for await (const m of readSSE(full.stream)) expect(m.data).toBe('1');
    expect(full.cancelled()).toBe(false);
  });

  it('propagates a read error (e.g. an aborted fetch)', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\n'));
        controller.error(new DOMException('The operation was aborted.', 'AbortError'));
      },
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const m of readSSE(failing)) seen.push(m.data);
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seen.length).toBeLessThanOrEqual(1);
  });
});
