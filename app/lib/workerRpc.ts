/**
 * The page side of a typed worker protocol (requests keyed by id, as in web-llm's message.ts): one pending promise
 * per request, every pending request rejected with a clear reason when the worker fails, is disposed or sends
 * something it should not. The embed and retrieval clients are thin layers over it. Own code rather than Comlink:
 * Comlink leaves a call pending forever when its worker dies; here every pending call rejects with WorkerLostError.
 */

/** The worker is gone (it failed to start, threw at top level, was closed or disposed): no reply will come. */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError';
}

/** The worker handled the request and answered with an error (its message says why). */
export class WorkerReplyError extends Error {
  override readonly name = 'WorkerReplyError';
}

/** A message broke the protocol: malformed, undeserializable, or a reply of the wrong type. */
export class WorkerProtocolError extends Error {
  override readonly name = 'WorkerProtocolError';
}

/** The slice of `Worker` a client uses (a test can pass a MessagePort-backed stand-in). */
export interface WorkerLike<Request> {
  postMessage(message: Request, options?: { transfer?: Transferable[] }): void;
  /** 'message' events are MessageEvents; 'error' events from a real Worker are ErrorEvents. */
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

interface BaseResponse {
  type: string;
  /** null only for an error about a request the worker could not even read. */
  id: number | null;
}

export interface WorkerRpcOptions<Request, Response extends BaseResponse> {
  /** "Embed worker", "Retrieval worker": how messages name it. */
  name: string;
  isResponse: (message: unknown) => message is Response;
  /** The message of an error response; null for other responses. */
  errorOf: (response: Response) => string | null;
  /** Buffers to hand over rather than copy. */
  transferables?: (request: Request) => Transferable[];
  /** Responses that report progress on a request instead of finishing it. */
  isProgress?: (response: Response) => boolean;
}

/** Omit over each member of a union (plain Omit collapses the union). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending<Response> {
  resolve: (msg: Response) => void;
  reject: (error: Error) => void;
  onProgress?: (msg: Response) => void;
}

export interface WorkerRpc<Request extends { type: string; id: number }, Response extends BaseResponse> {
  request<T extends Response['type']>(
    body: DistributiveOmit<Request, 'id'>,
    expect: T,
    onProgress?: (msg: Response) => void,
  ): Promise<Extract<Response, { type: T }>>;
  /** Rejects everything pending and terminates the worker; later requests reject with the same reason. */
  close(reason: string): void;
  readonly closed: boolean;
}

export function createWorkerRpc<Request extends { type: string; id: number }, Response extends BaseResponse>(
  worker: WorkerLike<Request>,
  options: WorkerRpcOptions<Request, Response>,
): WorkerRpc<Request, Response> {
  const { name } = options;
  const pending = new Map<number, Pending<Response>>();
  let nextId = 1;
  let closedReason: string | null = null;

  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const close = (reason: string, error: Error = new WorkerLostError(reason)): void => {
    if (closedReason !== null) return;
    closedReason = reason;
    failAll(error);
    worker.terminate();
  };

  worker.addEventListener('message', (event) => {
    const msg = (event as MessageEvent<unknown>).data;
    if (!options.isResponse(msg)) {
      const reason = `${name} sent a malformed message: ${JSON.stringify(msg)?.slice(0, 200)}`;
      close(reason, new WorkerProtocolError(reason));
      return;
    }
    if (msg.id === null) {
      failAll(new WorkerReplyError(`${name} error: ${options.errorOf(msg) ?? msg.type}`));
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return; // a request already rejected (e.g. by dispose)
    if (options.isProgress?.(msg)) {
      p.onProgress?.(msg);
      return;
    }
    pending.delete(msg.id);
    const error = options.errorOf(msg);
    if (error !== null) p.reject(new WorkerReplyError(`${name}: ${error}`));
    else p.resolve(msg);
  });
  worker.addEventListener('error', (event) => {
    // A module worker that fails to load or throws at top level ends up here; preventDefault keeps the page's
    // console from reporting it a second time as uncaught.
    event.preventDefault?.();
    const detail = 'message' in event && typeof event.message === 'string' && event.message ? `: ${event.message}` : '';
    close(`${name} failed${detail}`);
  });
  worker.addEventListener('messageerror', () => {
    failAll(new WorkerProtocolError(`${name} sent a message that could not be deserialized`));
  });

  return {
    request(body, expect, onProgress) {
      if (closedReason !== null) return Promise.reject(new WorkerLostError(closedReason));
      const id = nextId++;
      const message = { ...body, id } as unknown as Request;
      return new Promise((resolve, reject) => {
        pending.set(id, {
          resolve: (msg) => {
            if (msg.type === expect) resolve(msg as Extract<Response, { type: typeof expect }>);
            else reject(new WorkerProtocolError(`${name} answered ${body.type} with ${msg.type}, expected ${expect}`));
          },
          reject,
          ...(onProgress ? { onProgress } : {}),
        });
        try {
          worker.postMessage(message, { transfer: options.transferables?.(message) ?? [] });
        } catch (error) {
          pending.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close,
    get closed() {
      return closedReason !== null;
    },
  };
}
