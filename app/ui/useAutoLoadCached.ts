import { type Dispatch, type SetStateAction, useEffect, useRef, useState } from 'react';
import { normalizeBaseUrl } from '../llm/catalog';

/** A model last loaded in this browser, and from where; kept apart from the settings because it records what happened. */
interface LastLoadedModel {
  id: string;
  baseUrl: string;
}

export function readLastLoadedModel(storageKey: string): LastLoadedModel | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null');
    if (value && typeof value === 'object' && typeof (value as LastLoadedModel).id === 'string' && typeof (value as LastLoadedModel).baseUrl === 'string') {
      return value as LastLoadedModel;
    }
  } catch {
    // Unreadable (blocked storage, hand-edited value): nothing loads by itself.
  }
  return null;
}

export function writeLastLoadedModel(storageKey: string, value: LastLoadedModel | null): void {
  try {
    if (value) localStorage.setItem(storageKey, JSON.stringify(value));
    else localStorage.removeItem(storageKey);
  } catch {
    // Storage blocked: the model just will not load by itself next time.
  }
}

interface AutoLoadCachedOptions<T extends { id: string }> {
  /** The localStorage key holding the last loaded model (written with `writeLastLoadedModel`). */
  storageKey: string;
  baseUrl: string;
  /** Nothing to do this page load (a model is loaded already, or this panel's engine is not in use). */
  skip: boolean;
  /** The entry with this id, when it can still be loaded. */
  find: (id: string) => T | undefined;
  isCached: (entry: T) => Promise<boolean>;
  /** Its files are still cached: select it and load it from the cache. */
  loadFromCache: (entry: T) => void;
}

interface AutoLoadCached {
  /** Entries known to be in this browser's cache (checked only for the last-used model, on return). */
  cachedIds: ReadonlySet<string>;
  setCachedIds: Dispatch<SetStateAction<ReadonlySet<string>>>;
  /** Why the last-used model did not load by itself (its files left the cache). */
  returnNote: string;
  setReturnNote: Dispatch<SetStateAction<string>>;
}

/**
 * On return, the model last loaded here loads again by itself, but only when its files are still cached: a download
 * always waits for a click (consent comes first). Used by the chat-model and the embedding-model panels.
 */
export function useAutoLoadCached<T extends { id: string }>(options: AutoLoadCachedOptions<T>): AutoLoadCached {
  const [cachedIds, setCachedIds] = useState<ReadonlySet<string>>(new Set());
  const [returnNote, setReturnNote] = useState('');
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const returnChecked = useRef(false);
  // Once, on mount, with what the page found then (a ref, not state: StrictMode's second run must not check twice).
  // biome-ignore lint/correctness/useExhaustiveDependencies: deliberately runs once per page load.
  useEffect(() => {
    if (returnChecked.current || options.skip) return;
    returnChecked.current = true;
    const last = readLastLoadedModel(options.storageKey);
    const entry = last && normalizeBaseUrl(last.baseUrl) === options.baseUrl ? options.find(last.id) : undefined;
    if (!entry) return;
    void options
      .isCached(entry)
      .catch(() => false)
      .then((cached) => {
        if (!mounted.current) return;
        if (!cached) {
          setReturnNote(`${entry.id}, loaded here last time, is no longer in this browser's cache: loading it downloads it again.`);
          return;
        }
        setCachedIds((ids) => new Set([...ids, entry.id]));
        options.loadFromCache(entry);
      });
  }, []);
  return { cachedIds, setCachedIds, returnNote, setReturnNote };
}
