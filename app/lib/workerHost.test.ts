import { describe, expect, it } from 'vitest';
import { createWorkerHost, requestIdOf } from './workerHost';

type Request = { type: 'echo'; id: number; text: string } | { type: 'fail'; id: number };
type Reply = { id: number | null; text?: string; error?: string };

const isRequest = (m: unknown): m is Request => {
  const r = m as Partial<Request> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'number' &&
    (r.type === 'echo' ? typeof (r as { text?: unknown }).text === 'string' : r.type === 'fail')
  );
};

function hostWithLog(delays: Record<string, number> = {}) {
  const replies: Reply[] = [];
  const host = createWorkerHost<Request>({
    name: 'echo',
    isRequest,
    route: async (req) => {
      if (req.type === 'fail') throw new Error(`request ${req.id} failed`);
      await new Promise((r) => setTimeout(r, delays[req.text] ?? 0));
      replies.push({ id: req.id, text: req.text });
    },
    replyError: (id, message) => replies.push({ id, error: message }),
  });
  return { host, replies };
}

describe('createWorkerHost', () => {
  it('answers requests in arrival order even when an earlier one takes longer', async () => {
    const { host, replies } = hostWithLog({ slow: 30 });
    await Promise.all([host.handle({ type: 'echo', id: 1, text: 'slow' }), host.handle({ type: 'echo', id: 2, text: 'fast' })]);
    expect(replies.map((r) => r.id)).toEqual([1, 2]);
  });

  it('turns a throwing request into an error reply with its id, and goes on', async () => {
    const { host, replies } = hostWithLog();
    await host.handle({ type: 'fail', id: 3 });
    await host.handle({ type: 'echo', id: 4, text: 'after' });
    expect(replies).toEqual([
      { id: 3, error: 'request 3 failed' },
      { id: 4, text: 'after' },
    ]);
  });

  it('answers a malformed message with an error naming its type, addressed to its id when it has one', async () => {
    const { host, replies } = hostWithLog();
    await host.handle({ type: 'bogus', id: 5 });
    await host.handle('not an object');
    host.handleMessageError();
    expect(replies).toEqual([
      { id: 5, error: 'Malformed echo request (type bogus)' },
      { id: null, error: 'Malformed echo request (type not an object)' },
      { id: null, error: 'The echo worker could not deserialize a message' },
    ]);
  });
});

describe('requestIdOf', () => {
  it('finds a usable id in an unvalidated message', () => {
    expect(requestIdOf({ type: 'bogus', id: 7 })).toBe(7);
    expect(requestIdOf({ id: 'x' })).toBeNull();
    expect(requestIdOf({ id: 1.5 })).toBeNull();
    expect(requestIdOf(42)).toBeNull();
  });
});
