/**
 * Checking a downloaded model file before it is loaded. A catalog entry that pins a sha256 is held to it. One that
 * does not (no published hash was found, or a model added by URL) is trusted on first use: the first complete
 * download's sha256 is recorded for its URL, and a later download of the same URL with another hash is refused;
 * the record is never overwritten. Either way a refused file is named with both hashes, and the caller discards
 * the download and loads nothing.
 *
 * The record lives outside the engine's cache, because the cache is where a changed file lands: wllama deletes a
 * cached file and its metadata when the server's size differs, and "clear model cache" empties it; a record kept
 * there would vanish exactly when it is needed. A wipe of the app's data removes it with the rest.
 *
 * Pure: the bytes come as a stream and the record's storage is passed in (the page's localStorage).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** sha256 of a stream, read once in its own chunks (a 2 GB file never sits in memory whole). */
export async function digestStream(stream: ReadableStream<Uint8Array>, onBytes?: (bytesSoFar: number) => void): Promise<FileDigest> {
  const hash = sha256.create();
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    bytes += value.byteLength;
    onBytes?.(bytes);
  }
  return { sha256: bytesToHex(hash.digest()), bytes };
}

/** What the first complete download of a URL was. */
export interface FirstDownloadRecord {
  sha256: string;
  bytes: number;
  /** ms since the epoch. */
  recordedAt: number;
}

/** The part of the Web Storage API the records are kept in. */
export interface ModelHashStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** One storage entry holds every URL's record. */
export const FIRST_DOWNLOAD_STORAGE_KEY = 'memory-r1.model-file-hashes.v1';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function readRecords(storage: ModelHashStorage): Record<string, FirstDownloadRecord> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage.getItem(FIRST_DOWNLOAD_STORAGE_KEY) ?? '{}');
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const records: Record<string, FirstDownloadRecord> = {};
  for (const [url, value] of Object.entries(parsed)) {
    const r = value as Partial<FirstDownloadRecord> | null;
    if (r && typeof r.sha256 === 'string' && SHA256_HEX.test(r.sha256) && typeof r.bytes === 'number' && typeof r.recordedAt === 'number') {
      records[url] = { sha256: r.sha256, bytes: r.bytes, recordedAt: r.recordedAt };
    }
  }
  return records;
}

export function firstDownloadOf(storage: ModelHashStorage, url: string): FirstDownloadRecord | null {
  return readRecords(storage)[url] ?? null;
}

export type ModelFileVerdict =
  /** Equal to the catalog's pinned hash. */
  | { kind: 'pinned'; sha256: string }
  /** No pin and no record: this download is now the record. */
  | { kind: 'first-download'; sha256: string }
  /** No pin; equal to the recorded first download. */
  | { kind: 'same-as-first-download'; sha256: string; recordedAt: number };

/** A download whose hash is not the one it must have; it is not loaded, and no record changes. */
export class ModelFileHashError extends Error {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
    readonly basis: 'catalog' | 'first-download',
    recordedAt?: number,
  ) {
    const against =
      basis === 'catalog'
        ? `the catalog pins sha256 ${expected}`
        : `its first download${recordedAt ? ` (${new Date(recordedAt).toISOString().slice(0, 10)})` : ''} had sha256 ${expected}, so the file at this address has changed since`;
    super(`The downloaded model file ${url} has sha256 ${actual}, but ${against}. It was discarded and not loaded; the recorded hash is kept.`);
    this.name = 'ModelFileHashError';
  }
}

export interface ModelFileCheck {
  url: string;
  digest: FileDigest;
  /** The catalog's pinned hash, when it has one. */
  pinnedSha256?: string | undefined;
  storage: ModelHashStorage;
  now?: () => number;
}

/**
 * The verdict on a complete download, recording it when it is the URL's first. Throws ModelFileHashError when the
 * hash differs from the pin or from the recorded first download (the record is left as it was).
 */
export function checkModelFile({ url, digest, pinnedSha256, storage, now = Date.now }: ModelFileCheck): ModelFileVerdict {
  const actual = digest.sha256.toLowerCase();
  if (pinnedSha256) {
    const pinned = pinnedSha256.toLowerCase();
    if (actual !== pinned) throw new ModelFileHashError(url, pinned, actual, 'catalog');
    return { kind: 'pinned', sha256: actual };
  }
  const records = readRecords(storage);
  const first = records[url];
  if (first) {
    if (first.sha256 !== actual) throw new ModelFileHashError(url, first.sha256, actual, 'first-download', first.recordedAt);
    return { kind: 'same-as-first-download', sha256: actual, recordedAt: first.recordedAt };
  }
  records[url] = { sha256: actual, bytes: digest.bytes, recordedAt: now() };
  storage.setItem(FIRST_DOWNLOAD_STORAGE_KEY, JSON.stringify(records));
  return { kind: 'first-download', sha256: actual };
}
