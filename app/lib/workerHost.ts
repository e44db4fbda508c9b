/**
 * The worker side of a typed worker protocol, without the worker: validates each incoming message, hands valid
 * requests to `route` one at a time in arrival order (so a search sent after a patch sees the patch), and answers
 * anything else — a malformed message, a request that throws — with an error reply that echoes the request's id
 * when it has one. The embed and retrieval hosts are their protocol's `route` over this.
 */
import { SerialQueue } from './serialQueue';

export interface WorkerHostOptions<Request extends { id: number }> {
  /** "embed", "retrieval": how error replies name the request kind. */
  name: string;
  isRequest: (message: unknown) => message is Request;
  /** Handles one valid request and posts its response(s); a throw becomes an error reply. */
  route: (request: Request) => Promise<void>;
  /** Posts an error reply; `id` is null when the failing message carried no usable id. */
  replyError: (id: number | null, message: string) => void;
}

export interface WorkerHost {
  /** Handles one incoming message; resolves once its response(s) are posted. Messages are handled in order. */
  handle(message: unknown): Promise<void>;
  /** Answers a 'messageerror' event (a message the worker could not deserialize). */
  handleMessageError(): void;
}

type Fields = Record<string, unknown>;

const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null;

/** The `id` of an unvalidated message, when it has a usable one (to address an error reply). */
export function requestIdOf(message: unknown): number | null {
  return isFields(message) && typeof message.id === 'number' && Number.isSafeInteger(message.id) ? message.id : null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createWorkerHost<Request extends { id: number }>(options: WorkerHostOptions<Request>): WorkerHost {
  const { name, isRequest, route, replyError } = options;
  const queue = new SerialQueue();

  async function handleOne(message: unknown): Promise<void> {
    if (!isRequest(message)) {
      const type = isFields(message) ? message.type : message;
      replyError(requestIdOf(message), `Malformed ${name} request (type ${String(type)})`);
      return;
    }
    try {
      await route(message);
    } catch (error) {
      replyError(message.id, errorMessage(error));
    }
  }

  return {
    handle: (message) => queue.run(() => handleOne(message)),
    handleMessageError: () => replyError(null, `The ${name} worker could not deserialize a message`),
  };
}
