import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TEST_CHAT_GGUF_PATH, TEST_CHAT_MODEL_ID } from '../../scripts/test-models';
import { findCatalogEntry } from './catalog';
import { checkModelFile, digestStream, FIRST_DOWNLOAD_STORAGE_KEY, firstDownloadOf, ModelFileHashError, type ModelHashStorage } from './modelFileCheck';

function memoryStorage(initial: Record<string, string> = {}): ModelHashStorage & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

const URL_A = 'https://example.org/models/a.gguf';
const hex = (c: string) => c.repeat(64);

describe('digestStream', () => {
  it('is the sha256 of the bytes, whatever the chunking, and reports the bytes read so far', async () => {
    const bytes = randomBytes(3 * 65_536 + 17);
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 70_000), bytes.subarray(70_000)];
    const seen: number[] = [];
    const digest = await digestStream(streamOf(chunks), (n) => seen.push(n));
    expect(digest).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    expect(seen).toEqual([1, 70_000, bytes.length]);
  });

  it("hashes the test model's real file to the catalog's pin", async () => {
    const stream = Readable.toWeb(createReadStream(TEST_CHAT_GGUF_PATH, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
    const entry = findCatalogEntry(TEST_CHAT_MODEL_ID);
    if (entry.engine !== 'wllama') throw new Error('the test model is a GGUF');
    const digest = await digestStream(stream);
    expect(digest.bytes).toBe(entry.sizeBytes);
    expect(checkModelFile({ url: entry.url, digest, pinnedSha256: entry.sha256, storage: memoryStorage() })).toEqual({ kind: 'pinned', sha256: entry.sha256 });
  });
});

describe('checkModelFile', () => {
  it('holds a pinned file to its pin and refuses another, naming both hashes; no record is written either way', () => {
    const storage = memoryStorage();
    expect(checkModelFile({ url: URL_A, digest: { sha256: hex('a'), bytes: 10 }, pinnedSha256: hex('A'), storage })).toEqual({
      kind: 'pinned',
      sha256: hex('a'),
    });
    let error: unknown;
    try {
      checkModelFile({ url: URL_A, digest: { sha256: hex('b'), bytes: 10 }, pinnedSha256: hex('a'), storage });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileHashError);
    expect((error as Error).message).toContain(`has sha256 ${hex('b')}`);
    expect((error as Error).message).toContain(`the catalog pins sha256 ${hex('a')}`);
    expect(error).toMatchObject({ expected: hex('a'), actual: hex('b'), basis: 'catalog', url: URL_A });
    expect(storage.items.size).toBe(0);
  });

  it('trusts an unpinned file on first use: records it, accepts the same file again, refuses a changed one and keeps the record', () => {
    const storage = memoryStorage();
    const first = checkModelFile({ url: URL_A, digest: { sha256: hex('c'), bytes: 42 }, storage, now: () => Date.UTC(2026, 0, 2) });
    expect(first).toEqual({ kind: 'first-download', sha256: hex('c') });
    expect(firstDownloadOf(storage, URL_A)).toEqual({ sha256: hex('c'), bytes: 42, recordedAt: Date.UTC(2026, 0, 2) });

    expect(checkModelFile({ url: URL_A, digest: { sha256: hex('c'), bytes: 42 }, storage })).toEqual({
      kind: 'same-as-first-download',
      sha256: hex('c'),
      recordedAt: Date.UTC(2026, 0, 2),
    });

    const before = storage.items.get(FIRST_DOWNLOAD_STORAGE_KEY);
    expect(() => checkModelFile({ url: URL_A, digest: { sha256: hex('d'), bytes: 43 }, storage })).toThrow(
      new RegExp(`has sha256 ${hex('d')}, but its first download \\(2026-01-02\\) had sha256 ${hex('c')}.*discarded and not loaded`),
    );
    expect(storage.items.get(FIRST_DOWNLOAD_STORAGE_KEY)).toBe(before);
  });

  it('keeps each URL its own record, and reads a damaged store as empty rather than failing', () => {
    const storage = memoryStorage({ [FIRST_DOWNLOAD_STORAGE_KEY]: '{not json' });
    expect(checkModelFile({ url: URL_A, digest: { sha256: hex('e'), bytes: 1 }, storage }).kind).toBe('first-download');
    expect(checkModelFile({ url: `${URL_A}?v=2`, digest: { sha256: hex('f'), bytes: 1 }, storage }).kind).toBe('first-download');
    expect(firstDownloadOf(storage, URL_A)?.sha256).toBe(hex('e'));

    const odd = memoryStorage({ [FIRST_DOWNLOAD_STORAGE_KEY]: JSON.stringify({ [URL_A]: { sha256: 'short', bytes: 1, recordedAt: 1 } }) });
    expect(firstDownloadOf(odd, URL_A)).toBeNull();
  });
});
