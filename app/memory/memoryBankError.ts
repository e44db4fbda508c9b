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

/** Dexie wraps IndexedDB's errors; a full disk shows up as QuotaExceededError at one level or another. */
export function isQuotaError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const name = (current as { name?: unknown }).name;
    if (name === 'QuotaExceededError') return true;
    current = (current as { inner?: unknown; cause?: unknown }).inner ?? (current as { cause?: unknown }).cause;
  }
  return false;
}
