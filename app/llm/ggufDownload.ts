/**
 * A GGUF file into wllama's cache (OPFS), checked (modelFileCheck.ts) before wllama loads it from there. The
 * download is wllama's own CacheManager.download, the one its loader would run, so the loader then finds the file
 * cached and fetches nothing. A checked file is marked in its cache metadata with the hash it had; a later load
 * reuses the mark instead of reading the file again, and a new download writes fresh metadata without it.
 *
 * Page-only: wllama's cache lives in the Origin Private File System.
 */
import { checkModelFile, digestStream, ModelFileHashError, type ModelFileVerdict, type ModelHashStorage } from './modelFileCheck';

/** The cache metadata field holding the hash this app computed (wllama's own `sha256` field steers its storage). */
const CHECKED_SHA256 = 'memoryR1Sha256';

export interface GGUFDownloadProgress {
  phase: 'download' | 'check';
  loaded: number;
  total: number;
}

export interface DownloadCheckedGGUFOptions {
  /** What is being done, for the message of a download that fails ("Loading X with wllama"). */
  what: string;
  url: string;
  pinnedSha256?: string | undefined;
  storage: ModelHashStorage;
  onProgress?: (p: GGUFDownloadProgress) => void;
  signal?: AbortSignal;
}

/**
 * Downloads the file unless it is cached whole, then checks it. Resolves with the verdict, or null for a split
 * model (its shards are fetched by wllama's loader and not checked here). A file that fails its check is deleted
 * from the cache and ModelFileHashError is thrown.
 */
export async function downloadCheckedGGUF(options: DownloadCheckedGGUFOptions): Promise<ModelFileVerdict | null> {
  const { what, url, pinnedSha256, storage, onProgress, signal } = options;
  if (/-\d{5}-of-\d{5}\.gguf(\?.*)?$/.test(url)) return null;
  const { CacheManager } = await import('@wllama/wllama');
  const cache = new CacheManager();
  try {
    await cache.download(url, {
      progressCallback: ({ loaded, total }) => onProgress?.({ phase: 'download', loaded, total }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Error(`${what} (could not fetch ${url}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const name = await cache.getNameFromURL(url);
  const [metadata, size] = await Promise.all([cache.getMetadata(name), cache.getSize(name)]);
  const checked = (metadata as Record<string, unknown> | null)?.[CHECKED_SHA256];
  if (typeof checked === 'string' && metadata?.originalSize === size) {
    // Checked on an earlier load, and not downloaded again since. Checked again against the pin or the record,
    // which may have been added since.
    return discardIfRefused(cache, name, () => checkModelFile({ url, digest: { sha256: checked, bytes: size }, pinnedSha256, storage }));
  }
  const file = await cache.open(name);
  if (!file) throw new Error(`The download of ${url} is not in the model cache after it finished; nothing was loaded`);
  const digest = await digestStream(file.stream(), (loaded) => {
    signal?.throwIfAborted();
    onProgress?.({ phase: 'check', loaded, total: file.size });
  });
  const verdict = await discardIfRefused(cache, name, () => checkModelFile({ url, digest, pinnedSha256, storage }));
  if (metadata) await cache.writeMetadata(name, { ...metadata, [CHECKED_SHA256]: digest.sha256 } as typeof metadata);
  return verdict;
}

async function discardIfRefused(cache: { delete(name: string): Promise<void> }, name: string, check: () => ModelFileVerdict): Promise<ModelFileVerdict> {
  try {
    return check();
  } catch (error) {
    // The refused download goes; the pin or the recorded hash stays as it was.
    if (error instanceof ModelFileHashError) await cache.delete(name).catch(() => {});
    throw error;
  }
}
