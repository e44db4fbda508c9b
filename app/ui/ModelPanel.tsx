import { useEffect, useRef, useState } from 'react';
import type { LoadedChatModel, ModelLoadProgress } from '../llm/browserEngines';
import { clearChatModelCache, loadChatModel } from '../llm/browserEngines';
import type { Capabilities } from '../llm/capabilities';
import type { CatalogEntry } from '../llm/catalog';
import { CATALOG, formatBytes, normalizeBaseUrl } from '../llm/catalog';
import { isCatalogModelCached } from '../llm/catalogCache';
import { addCustomModel, readCustomModels, removeCustomModel } from '../llm/customModel';
import type { BrowserEngine, EngineChoice } from '../llm/engineChoice';
import { availableModels } from '../llm/engineChoice';
import { recommendModel } from '../llm/recommendModel';
import { CustomModelForm } from './CustomModelForm';
import { ServerBackendForm } from './ServerBackendForm';
import type { Settings } from './settings';
import { readLastLoadedModel, useAutoLoadCached, writeLastLoadedModel } from './useAutoLoadCached';

interface ModelPanelProps {
  caps: Capabilities;
  choice: EngineChoice;
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  loaded: LoadedChatModel | null;
  onLoaded: (model: LoadedChatModel | null) => void;
  /** Once a model is loaded, show one line (the model and a "Change model" button) instead of the whole panel. */
  collapsed?: boolean;
}

type LoadState = { status: 'idle' } | { status: 'loading'; progress: ModelLoadProgress } | { status: 'error'; message: string };

/**
 * The chat model last loaded in this browser, and from where: on return, if its files are still cached, it loads
 * again without a click. Kept apart from the settings (a preference) because it records what happened.
 */
const LAST_MODEL_KEY = 'memory-r1.lastChatModel.v1';

/** Asks this server whether it holds local model files (what `npm run models:fetch` lays out). */
function useLocalModelsAvailable(): boolean {
  const [available, setAvailable] = useState(false);
  useEffect(() => {
    let live = true;
    fetch('/models/manifest.json', { method: 'HEAD' })
      .then((r) => live && setAvailable(r.ok))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, []);
  return available;
}

export function ModelPanel({ caps, choice, settings, updateSettings, loaded, onLoaded, collapsed = false }: ModelPanelProps) {
  // Settings come from localStorage: anything may be stored there.
  const savedCustom = Array.isArray(settings.customModels) ? settings.customModels : [];
  const custom = readCustomModels(settings.customModels);
  const models = availableModels([...CATALOG, ...custom.entries], caps, choice);
  const firstUsable = models.find((m) => m.usable)?.entry.id ?? null;
  const selectedId = models.some((m) => m.entry.id === settings.chatModelId && m.usable) ? settings.chatModelId : firstUsable;
  const selected = models.find((m) => m.entry.id === selectedId)?.entry;
  const [state, setState] = useState<LoadState>({ status: 'idle' });
  const [cacheMessage, setCacheMessage] = useState('');
  const [expanded, setExpanded] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const localAvailable = useLocalModelsAvailable();
  const baseUrl = normalizeBaseUrl(settings.modelBaseUrl);
  const { cachedIds, setCachedIds, returnNote, setReturnNote } = useAutoLoadCached({
    storageKey: LAST_MODEL_KEY,
    baseUrl,
    skip: loaded !== null || settings.backend !== 'browser',
    find: (id) => models.find((m) => m.entry.id === id && m.usable)?.entry,
    isCached: (entry) => isCatalogModelCached(entry, baseUrl),
    loadFromCache: (entry) => {
      if (entry.id !== settings.chatModelId) updateSettings({ chatModelId: entry.id });
      void load(entry, true);
    },
  });
  const deviceMemoryGB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const recommended = recommendModel({ caps, choice, ...(deviceMemoryGB ? { deviceMemoryGB } : {}) });

  async function load(entry: CatalogEntry, fromCache = false) {
    const controller = new AbortController();
    abortRef.current = controller;
    const cacheText = `Loading ${entry.label} from this browser's cache…`;
    setState({ status: 'loading', progress: { fraction: 0, text: fromCache ? cacheText : 'Starting…' } });
    try {
      if (loaded) {
        await loaded.client.dispose();
        onLoaded(null);
      }
      const model = await loadChatModel({
        entry,
        choice,
        caps,
        baseUrl,
        signal: controller.signal,
        // The engines word their progress as a download even when the bytes come from the cache.
        onProgress: (progress) => setState({ status: 'loading', progress: fromCache ? { ...progress, text: cacheText } : progress }),
      });
      onLoaded(model);
      writeLastLoadedModel(LAST_MODEL_KEY, { id: entry.id, baseUrl });
      setCachedIds((ids) => new Set([...ids, entry.id]));
      setReturnNote('');
      setState({ status: 'idle' });
    } catch (error) {
      setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    } finally {
      abortRef.current = null;
    }
  }

  function sizeText(entry: CatalogEntry): string {
    return entry.custom ? 'size unknown' : formatBytes(entry.sizeBytes, entry.sizeApproximate);
  }

  async function clearCache() {
    if (!selected) return;
    setCacheMessage('Clearing…');
    try {
      if (loaded?.client.modelId === selected.id) {
        await loaded.client.dispose();
        onLoaded(null);
      }
      await clearChatModelCache(selected, baseUrl);
      // wllama's cache is cleared whole; web-llm's per model.
      const last = readLastLoadedModel(LAST_MODEL_KEY);
      const lastEntry = last ? models.find((m) => m.entry.id === last.id)?.entry : undefined;
      if (last && (last.id === selected.id || (selected.engine === 'wllama' && lastEntry?.engine === 'wllama'))) writeLastLoadedModel(LAST_MODEL_KEY, null);
      setCachedIds(
        (ids) =>
          new Set(
            [...ids].filter(
              (id) => id !== selected.id && !(selected.engine === 'wllama' && models.some((m) => m.entry.id === id && m.entry.engine === 'wllama')),
            ),
          ),
      );
      setCacheMessage(`Cleared the cached files of ${selected.engine === 'wllama' ? 'every GGUF model' : selected.id}.`);
    } catch (error) {
      setCacheMessage(`Could not clear the cache: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const loadedLine = loaded && (
    <p role="status" data-testid="model-loaded">
      Loaded {loaded.client.modelId} in {(loaded.loadMs / 1000).toFixed(1)} s — {loaded.runtime}
    </p>
  );

  if (collapsed && loaded && !expanded && state.status !== 'loading') {
    return (
      <section aria-labelledby="model-title" className="panel compact" data-testid="model-panel-compact">
        <h2 id="model-title">Chat model</h2>
        {loadedLine}
        <button type="button" onClick={() => setExpanded(true)}>
          Change model
        </button>
      </section>
    );
  }

  const loadedHere = loaded !== null && selected !== undefined && loaded.client.modelId === selected.id;
  const loadLabel = !selected
    ? 'No model fits this browser'
    : loadedHere
      ? `Reload ${selected.id}`
      : cachedIds.has(selected.id)
        ? `Load ${selected.id} from this browser's cache`
        : `Download and load ${selected.id} (${sizeText(selected)})`;

  return (
    <section aria-labelledby="model-title" className="panel">
      <div className="row spread">
        <h2 id="model-title">Chat model</h2>
        {collapsed && loaded && (
          <button type="button" className="link" onClick={() => setExpanded(false)}>
            Collapse
          </button>
        )}
      </div>
      <div className="row">
        <label htmlFor="backend">Runs</label>
        <select id="backend" value={settings.backend} onChange={(e) => updateSettings({ backend: e.target.value as Settings['backend'] })}>
          <option value="browser">In this browser (private, recommended)</option>
          <option value="openai-compatible">On an OpenAI-compatible server</option>
        </select>
      </div>
      {settings.backend === 'openai-compatible' ? (
        <ServerBackendForm settings={settings} updateSettings={updateSettings} onLoaded={onLoaded} />
      ) : (
        <>
          <div className="row">
            <label htmlFor="engine-override">Engine</label>
            <select
              id="engine-override"
              value={settings.engineOverride ?? ''}
              onChange={(e) => updateSettings({ engineOverride: (e.target.value || null) as BrowserEngine | null })}
            >
              <option value="">Automatic (recommended)</option>
              <option value="webllm">web-llm (WebGPU)</option>
              <option value="wllama">llama.cpp / wllama (WebAssembly)</option>
            </select>
          </div>
          <div className="row">
            <label htmlFor="model-base-url">Model files from</label>
            <input
              id="model-base-url"
              value={settings.modelBaseUrl}
              placeholder="Hugging Face (default)"
              onChange={(e) => updateSettings({ modelBaseUrl: e.target.value })}
            />
            {localAvailable && baseUrl !== '/models/' && (
              <button type="button" onClick={() => updateSettings({ modelBaseUrl: '/models/' })}>
                Use this server's local files
              </button>
            )}
          </div>
          {recommended && (
            <p className="recommendation" data-testid="model-recommendation">
              Recommended here: <strong>{recommended.entry.label}</strong> — {recommended.reason}{' '}
              {selectedId !== recommended.entry.id && (
                <button
                  type="button"
                  className="link"
                  onClick={() => updateSettings({ chatModelId: recommended.entry.id })}
                  disabled={state.status === 'loading'}
                >
                  Use this model
                </button>
              )}
            </p>
          )}
          <fieldset disabled={state.status === 'loading'}>
            <legend>Models for {choice.engine === 'webllm' ? 'web-llm' : 'llama.cpp'}</legend>
            <ul className="model-list">
              {models.map(({ entry, usable, note }) => (
                <li key={entry.id}>
                  <label className={usable ? '' : 'unusable'}>
                    <input
                      type="radio"
                      name="chat-model"
                      value={entry.id}
                      checked={entry.id === selectedId}
                      disabled={!usable}
                      onChange={() => updateSettings({ chatModelId: entry.id })}
                    />
                    {entry.custom
                      ? `${entry.label} — your URL, size unknown`
                      : `${entry.label} — ${formatBytes(entry.sizeBytes, entry.sizeApproximate)}, context ${entry.contextLength.toLocaleString()}`}
                    {!entry.custom && (
                      <span className="note">
                        {' '}
                        · {entry.license}
                        {entry.engine === 'webllm' ? ` · needs ≈ ${(entry.vramRequiredMB / 1000).toFixed(1)} GB of GPU memory` : ''}
                      </span>
                    )}
                    {entry.id === recommended?.entry.id && <span className="note"> (recommended here)</span>}
                    {note && <span className="note"> ({note})</span>}
                  </label>
                  {entry.custom && (
                    <button
                      type="button"
                      aria-label={`Remove ${entry.id} from the list`}
                      onClick={() => updateSettings({ customModels: removeCustomModel(savedCustom, entry.id) })}
                    >
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </fieldset>
          {custom.problems.map((problem) => (
            <p role="alert" className="error" key={problem}>
              {problem}
            </p>
          ))}
          <CustomModelForm
            engine={choice.engine}
            onAdd={(spec, entry) => updateSettings({ customModels: addCustomModel(savedCustom, spec), chatModelId: entry.id })}
          />
          {selected && (
            <p className="source" data-testid="model-source">
              {selected.custom
                ? `Files from ${selected.engine === 'wllama' ? selected.url : `${selected.modelUrl} and ${selected.modelLibUrl}`}`
                : `Files from ${baseUrl ? `this server (${baseUrl})` : 'their public source'}`}
              ; cached in this browser after the first download.
            </p>
          )}
          <div className="row">
            {state.status === 'loading' ? (
              <button type="button" onClick={() => abortRef.current?.abort()}>
                Cancel
              </button>
            ) : (
              <button type="button" disabled={!selected} onClick={() => selected && void load(selected, cachedIds.has(selected.id))} data-testid="load-model">
                {loadLabel}
              </button>
            )}
            <button type="button" disabled={!selected || state.status === 'loading'} onClick={() => void clearCache()}>
              Clear model cache
            </button>
          </div>
          {state.status === 'loading' && (
            <div className="progress">
              <progress aria-label="Model download progress" max={1} {...(state.progress.fraction !== null ? { value: state.progress.fraction } : {})} />
              <span>{state.progress.text}</span>
            </div>
          )}
          {state.status === 'error' && (
            <p role="alert" className="error" data-testid="model-error">
              {state.message}
            </p>
          )}
          {cacheMessage && <p role="status">{cacheMessage}</p>}
          {returnNote && <p className="note">{returnNote}</p>}
        </>
      )}
      {loadedLine}
    </section>
  );
}
