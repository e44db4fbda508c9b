/** A failure to store something, said so that a user knows what happened and that nothing was half-written. */
export class MemoryBankError extends Error {
  constructor(
    message: string,
    readonly kind: 'quota' | 'storage' | 'invalid',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MemoryBankError';
  }
}

/**
 * Dexie wraps IndexedDB's errors; a full disk shows up as QuotaExceededError at one level or another: the error
 * itself, its `inner`/`cause` chain (AbortError of the transaction), or a BulkError's per-row `failures`.
 */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as { name?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  if (e.name === 'QuotaExceededError') return true;
  if (Array.isArray(e.failures) && e.failures.some((f) => isQuotaError(f, depth + 1))) return true;
  return isQuotaError(e.inner ?? e.cause, depth + 1);
}
