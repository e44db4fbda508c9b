import type { CatalogEntry } from './catalog';
import { resolveModelSource } from './catalog';

/**
 * Whether a catalog entry's files are already in this browser's storage, so that loading it downloads nothing: what
 * lets the app load the last-used model on return without asking. It imports the entry's engine code (a lazy chunk),
 * so call it only when a load is likely, never on a first visit.
 */
export async function isCatalogModelCached(entry: CatalogEntry, baseUrl: string): Promise<boolean> {
  if (entry.engine === 'wllama') {
    const { CacheManager } = await import('@wllama/wllama');
    const { url } = resolveModelSource(entry, baseUrl);
    const wanted = new Set([url, new URL(url, location.href).href]);
    const files = await new CacheManager().list();
    // A split model is cached when its first shard is; a partial download has fewer bytes than the server said.
    return files.some((f) => wanted.has(f.metadata.originalURL) && f.size > 0 && (!f.metadata.originalSize || f.size === f.metadata.originalSize));
  }
  const { isWebLLMModelCached } = await import('./webllmClient');
  return isWebLLMModelCached(entry, resolveModelSource(entry, baseUrl));
}
