import { useRef, useState } from 'react';
import type { EmbedWorkerClient } from '../embed/embedClient';
import { clearEmbeddingModelCache, createEmbedWorkerClient } from '../embed/embedClient';
import { EMBEDDING_MODELS, getEmbeddingModel } from '../embed/embeddingModels';
import { formatBytes, normalizeBaseUrl } from '../llm/catalog';
import type { Settings } from './settings';

interface Ranked {
  text: string;
  score: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

interface EmbeddingPanelProps {
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  /** The loaded embedder is shared with the memory bank (adding and searching memories need it). */
  client: EmbedWorkerClient | null;
  setClient: (client: EmbedWorkerClient | null) => void;
}

export function EmbeddingPanel({ settings, updateSettings, client, setClient }: EmbeddingPanelProps) {
  const model = getEmbeddingModel(settings.embeddingModelId);
  const [progress, setProgress] = useState<string>('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [query, setQuery] = useState('I adopted a dog named Buddy');
  const [candidates, setCandidates] = useState('My pet dog is called Buddy\nThe stock market fell today\nWe went hiking in the mountains');
  const [ranked, setRanked] = useState<Ranked[] | null>(null);
  const [stats, setStats] = useState('');
  const clientRef = useRef<EmbedWorkerClient | null>(client);

  async function load() {
    setLoading(true);
    setError('');
    setRanked(null);
    try {
      await clientRef.current?.dispose();
      clientRef.current = null;
      setClient(null);
      const base = normalizeBaseUrl(settings.modelBaseUrl);
      const created = await createEmbedWorkerClient({
        modelId: model.id,
        ...(base ? { localModelBaseUrl: `${base}transformers/` } : {}),
        onProgress: (p) => setProgress(`${p.status} ${p.file ?? ''} ${p.total ? `${Math.round(((p.loaded ?? 0) / p.total) * 100)}%` : ''}`),
      });
      clientRef.current = created;
      setClient(created);
      setProgress('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  async function clearCache() {
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
    const lines = candidates.split('\n').map((l) => l.trim()).filter(Boolean);
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

  return (
    <section aria-labelledby="embed-title" className="panel">
      <h2 id="embed-title">Embedding model</h2>
      <div className="row">
        <label htmlFor="embed-model">Model</label>
        <select id="embed-model" value={model.id} onChange={(e) => updateSettings({ embeddingModelId: e.target.value })} disabled={loading}>
          {EMBEDDING_MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label} — {formatBytes(m.approxDownloadBytes, true)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load()} disabled={loading} data-testid="load-embedder">
          {client ? 'Reload' : `Download and load (${formatBytes(model.approxDownloadBytes, true)})`}
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
      {client && (
        <p role="status" data-testid="embedder-loaded">
          {model.id} ready ({client.dims}-d)
        </p>
      )}
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
