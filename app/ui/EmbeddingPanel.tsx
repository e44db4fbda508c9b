import { useRef, useState } from 'react';
import type { EmbedWorkerClient } from '../embed/embedClient';
import { clearEmbeddingModelCache, createEmbedWorkerClient, TRANSFORMERS_CACHE_NAME } from '../embed/embedClient';
import { EMBEDDING_MODELS, getEmbeddingModel } from '../embed/embeddingModels';
import { formatBytes, normalizeBaseUrl } from '../llm/catalog';
import type { Settings } from './settings';
import { useAutoLoadCached, writeLastLoadedModel } from './useAutoLoadCached';

interface Ranked {
  text: string;
  score: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** The embedding model last loaded here and from where: on return it loads again by itself if still cached. */
const LAST_MODEL_KEY = 'memory-r1.lastEmbeddingModel.v1';

/** transformers.js caches each file under its URL, which holds the model id; the ONNX weights are what matters. */
async function isEmbeddingModelCached(modelId: string): Promise<boolean> {
  if (typeof caches === 'undefined' || !(await caches.has(TRANSFORMERS_CACHE_NAME))) return false;
  const cache = await caches.open(TRANSFORMERS_CACHE_NAME);
  return (await cache.keys()).some((request) => request.url.includes(`/${modelId}/`) && request.url.endsWith('.onnx'));
}

interface EmbeddingPanelProps {
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  /** The loaded embedder is shared with the memory bank (adding and searching memories need it). */
  client: EmbedWorkerClient | null;
  setClient: (client: EmbedWorkerClient | null) => void;
  /** Once the model is loaded, show one line (the model and a "Change" button) instead of the whole panel. */
  collapsed?: boolean;
}

export function EmbeddingPanel({ settings, updateSettings, client, setClient, collapsed = false }: EmbeddingPanelProps) {
  const model = getEmbeddingModel(settings.embeddingModelId);
  const [expanded, setExpanded] = useState(false);
  const [progress, setProgress] = useState<string>('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [query, setQuery] = useState('I adopted a dog named Buddy');
  const [candidates, setCandidates] = useState('My pet dog is called Buddy\nThe stock market fell today\nWe went hiking in the mountains');
  const [ranked, setRanked] = useState<Ranked[] | null>(null);
  const [stats, setStats] = useState('');
  const clientRef = useRef<EmbedWorkerClient | null>(client);

  const baseUrl = normalizeBaseUrl(settings.modelBaseUrl);
  const { cachedIds, setCachedIds, returnNote, setReturnNote } = useAutoLoadCached({
    storageKey: LAST_MODEL_KEY,
    baseUrl,
    skip: client !== null,
    find: (id) => EMBEDDING_MODELS.find((m) => m.id === id),
    isCached: (known) => isEmbeddingModelCached(known.id),
    loadFromCache: (known) => {
      if (known.id !== settings.embeddingModelId) updateSettings({ embeddingModelId: known.id });
      void load(known.id, true);
    },
  });

  async function load(modelId: string = model.id, fromCache = false) {
    setLoading(true);
    setError('');
    setRanked(null);
    const cacheText = `loading ${modelId} from this browser's cache…`;
    if (fromCache) setProgress(cacheText);
    try {
      await clientRef.current?.dispose();
      clientRef.current = null;
      setClient(null);
      const created = await createEmbedWorkerClient({
        modelId,
        ...(baseUrl ? { localModelBaseUrl: `${baseUrl}transformers/` } : {}),
        // transformers.js reports cached files as downloads too.
        onProgress: (p) =>
          setProgress(fromCache ? cacheText : `${p.status} ${p.file ?? ''} ${p.total ? `${Math.round(((p.loaded ?? 0) / p.total) * 100)}%` : ''}`),
      });
      clientRef.current = created;
      setClient(created);
      writeLastLoadedModel(LAST_MODEL_KEY, { id: modelId, baseUrl });
      setCachedIds((ids) => new Set([...ids, modelId]));
      setReturnNote('');
      setProgress('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  async function clearCache() {
    writeLastLoadedModel(LAST_MODEL_KEY, null);
    setCachedIds(new Set());
    await clientRef.current?.dispose();
    clientRef.current = null;
    setClient(null);
    setRanked(null);
    try {
      const removed = await clearEmbeddingModelCache();
      setProgress(removed ? 'Cleared the cached embedding-model files.' : 'Nothing was cached.');
    } catch (e) {
      setError(`Could not clear the cache: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async function rank() {
    if (!client) return;
    setError('');
    const lines = candidates
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    try {
      const t0 = performance.now();
      const vectors = await client.embed([query, ...lines]);
      const ms = performance.now() - t0;
      const dims = client.dims;
      const q = vectors.subarray(0, dims);
      const scored = lines.map((text, i) => ({ text, score: dot(q, vectors.subarray((i + 1) * dims, (i + 2) * dims)) }));
      scored.sort((a, b) => b.score - a.score);
      setRanked(scored);
      setStats(`${lines.length + 1} texts → ${dims}-d vectors, query norm ${Math.sqrt(dot(q, q)).toFixed(3)}, ${ms.toFixed(0)} ms`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const readyLine = client && (
    <p role="status" data-testid="embedder-loaded">
      {model.id} ready ({client.dims}-d)
    </p>
  );

  if (collapsed && client && !expanded && !loading) {
    return (
      <section aria-labelledby="embed-title" className="panel compact" data-testid="embed-panel-compact">
        <h2 id="embed-title">Embedding model</h2>
        {readyLine}
        <button type="button" onClick={() => setExpanded(true)}>
          Change embedding model
        </button>
      </section>
    );
  }

  return (
    <section aria-labelledby="embed-title" className="panel">
      <div className="row spread">
        <h2 id="embed-title">Embedding model</h2>
        {collapsed && client && (
          <button type="button" className="link" onClick={() => setExpanded(false)}>
            Collapse
          </button>
        )}
      </div>
      <div className="row">
        <label htmlFor="embed-model">Model</label>
        <select id="embed-model" value={model.id} onChange={(e) => updateSettings({ embeddingModelId: e.target.value })} disabled={loading}>
          {EMBEDDING_MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label} — {formatBytes(m.approxDownloadBytes, true)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load(model.id, cachedIds.has(model.id))} disabled={loading} data-testid="load-embedder">
          {client
            ? 'Reload'
            : cachedIds.has(model.id)
              ? "Load from this browser's cache"
              : `Download and load (${formatBytes(model.approxDownloadBytes, true)})`}
        </button>
        <button type="button" onClick={() => void clearCache()} disabled={loading}>
          Clear model cache
        </button>
      </div>
      <p className="note">{model.description}</p>
      {(loading || progress) && (
        <p role="status" aria-live="polite">
          {loading ? 'Loading… ' : ''}
          {progress}
        </p>
      )}
      {returnNote && <p className="note">{returnNote}</p>}
      {readyLine}
      <label htmlFor="embed-query">Query</label>
      <input id="embed-query" value={query} onChange={(e) => setQuery(e.target.value)} />
      <label htmlFor="embed-candidates">Candidates (one per line)</label>
      <textarea id="embed-candidates" rows={3} value={candidates} onChange={(e) => setCandidates(e.target.value)} />
      <button type="button" onClick={() => void rank()} disabled={!client} data-testid="rank">
        Rank by similarity
      </button>
      {ranked && (
        <>
          <ol data-testid="ranking">
            {ranked.map((r) => (
              <li key={r.text}>
                <span className="score">{r.score.toFixed(3)}</span> {r.text}
              </li>
            ))}
          </ol>
          <p className="meta" data-testid="embed-stats">
            {stats}
          </p>
        </>
      )}
      {error && (
        <p role="alert" className="error" data-testid="embed-error">
          {error}
        </p>
      )}
    </section>
  );
}
