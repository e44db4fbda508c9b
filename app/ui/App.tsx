import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import type { MemoryManagerEvent } from '../agent/memoryManager';
import type { EmbedWorkerClient } from '../embed/embedClient';
import type { LoadedChatModel } from '../llm/browserEngines';
import { chooseEngine } from '../llm/engineChoice';
import type { MemoryBank } from '../memory/memoryBank';
import { CapabilitiesPanel } from './CapabilitiesPanel';
import { ChatPanel } from './ChatPanel';
import { DataPanel } from './DataPanel';
import { EmbeddingPanel } from './EmbeddingPanel';
import { MemoryBankPanel } from './MemoryBankPanel';
import { ModelPanel } from './ModelPanel';
import { OperationsLog, type LoggedEvent } from './OperationsLog';
import { Playground } from './Playground';
import { ReplayPanel } from './ReplayPanel';
import { SettingsPanel } from './SettingsPanel';
import { useSettings, type Settings } from './settings';
import { useCapabilities } from './useCapabilities';
import { useMemoryBank } from './useMemoryBank';

// Its own chunk: the runner, the metrics and the charts load when the page is first opened.
const EvaluationPage = lazy(() => import('./eval/EvaluationPage'));

export function App() {
  const caps = useCapabilities();
  const [settings, updateSettings] = useSettings();
  const [loaded, setLoaded] = useState<LoadedChatModel | null>(null);

  return (
    <main>
      <header>
        <h1>Memory-R1</h1>
        <p className="tagline">A private chat that remembers — every model runs in this browser; nothing leaves it.</p>
      </header>
      {!caps ? (
        <p role="status">Checking what this browser can run…</p>
      ) : (
        <AppBody caps={caps} settings={settings} updateSettings={updateSettings} loaded={loaded} setLoaded={setLoaded} />
      )}
    </main>
  );
}

/** What every view may use. */
export interface ViewContext {
  loaded: LoadedChatModel | null;
  embedder: EmbedWorkerClient | null;
  bank: MemoryBank | null;
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  /** Every Memory Manager event goes to the op stream through this. */
  onManagerEvent: (event: MemoryManagerEvent, model: string) => void;
  /** Opens a memory's history in the bank explorer. */
  openMemory: (id: string) => void;
  /** The model panels (loading, catalog, cache clear, backend): shown on the views that set `models`. */
  models: ReactNode;
  events: readonly LoggedEvent[];
  selectedMemoryId: string | null;
  selectMemory: (id: string | null) => void;
  clearEvents: () => void;
  /** Bumped by a wipe: views that hold a position in the old data (the replay) start over. */
  dataGeneration: number;
  /** This view is the one shown (views stay mounted when hidden; a view renders one-of-a-kind parts only when shown). */
  active: boolean;
}

interface View {
  id: string;
  label: string;
  /** Show the model panels under this view (one instance, kept mounted: a load in progress survives navigation). */
  models?: boolean;
  render: (ctx: ViewContext) => ReactNode;
}

/**
 * The navigation, in order. A view is mounted the first time it is opened and then kept (hidden when not shown),
 * so a lazy view — `render: (ctx) => <Suspense fallback={…}><LazyPage … /></Suspense>` with `React.lazy` — loads
 * its chunk only when first opened, and a replay or an answer in progress survives switching views.
 */
const VIEWS: View[] = [
  { id: 'chat', label: 'Chat', models: true, render: (ctx) => <ChatView {...ctx} /> },
  { id: 'bank', label: 'Memory bank', render: (ctx) => <BankView {...ctx} /> },
  { id: 'replay', label: 'Replay', render: (ctx) => <ReplayView {...ctx} /> },
  {
    id: 'eval',
    label: 'Evaluation',
    models: true,
    render: (ctx) => (
      <Suspense fallback={<p role="status">Loading the evaluation page…</p>}>
        <EvaluationPage llm={ctx.loaded?.client ?? null} embedder={ctx.embedder} />
      </Suspense>
    ),
  },
  { id: 'settings', label: 'Settings', models: true, render: (ctx) => <SettingsView {...ctx} /> },
];

function viewFromHash(): string {
  const id = location.hash.replace(/^#/, '');
  return VIEWS.some((v) => v.id === id) ? id : VIEWS[0]!.id;
}

/** The current view lives in the URL's hash: links, the back button and a reload keep it. */
function useCurrentView(): [string, (id: string) => void] {
  const [view, setView] = useState(viewFromHash);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((id: string) => {
    if (location.hash !== `#${id}`) location.hash = id;
    setView(id);
  }, []);
  return [view, go];
}

function AppBody({
  caps,
  settings,
  updateSettings,
  loaded,
  setLoaded,
}: {
  caps: NonNullable<ReturnType<typeof useCapabilities>>;
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  loaded: LoadedChatModel | null;
  setLoaded: (m: LoadedChatModel | null) => void;
}) {
  const choice = chooseEngine(caps, settings.engineOverride ?? undefined);
  const [embedder, setEmbedder] = useState<EmbedWorkerClient | null>(null);
  const { bank, error } = useMemoryBank();
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [view, go] = useCurrentView();
  const [visited, setVisited] = useState(() => new Set([view]));
  const [selectedMemoryId, selectMemory] = useState<string | null>(null);
  useEffect(() => setVisited((s) => (s.has(view) ? s : new Set([...s, view]))), [view]);

  const onManagerEvent = useCallback((event: MemoryManagerEvent, model: string) => {
    setEvents((list) => [...list.slice(-199), { key: (list.at(-1)?.key ?? 0) + 1, at: Date.now(), model, event }]);
  }, []);
  const openMemory = useCallback(
    (id: string) => {
      selectMemory(id);
      go('bank');
    },
    [go],
  );
  const [dataGeneration, setDataGeneration] = useState(0);
  const clearEvents = useCallback(() => {
    setEvents([]);
    selectMemory(null);
    setDataGeneration((n) => n + 1);
  }, []);

  const models = (
    <>
      <CapabilitiesPanel caps={caps} choice={choice} />
      <ModelPanel caps={caps} choice={choice} settings={settings} updateSettings={updateSettings} loaded={loaded} onLoaded={setLoaded} />
      {loaded && <Playground client={loaded.client} />}
      <EmbeddingPanel settings={settings} updateSettings={updateSettings} client={embedder} setClient={setEmbedder} />
    </>
  );
  const ctx: Omit<ViewContext, 'active'> = { loaded, embedder, bank, settings, updateSettings, onManagerEvent, openMemory, models, events, selectedMemoryId, selectMemory, clearEvents, dataGeneration };
  const current = VIEWS.find((v) => v.id === view) ?? VIEWS[0]!;

  return (
    <>
      <nav aria-label="Views">
        <ul className="nav">
          {VIEWS.map((v) => (
            <li key={v.id}>
              <a href={`#${v.id}`} aria-current={v.id === view ? 'page' : undefined} onClick={() => go(v.id)}>
                {v.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {VIEWS.filter((v) => visited.has(v.id) || v.id === view).map((v) => (
        <div key={v.id} className="view" hidden={v.id !== view} data-view={v.id}>
          {v.render({ ...ctx, active: v.id === view })}
        </div>
      ))}
      <section className="models" aria-label="Models" hidden={!current.models}>
        <h2 className="section-title">Models</h2>
        <div className="grid">{models}</div>
      </section>
    </>
  );
}

function ChatView({ loaded, embedder, bank, settings, onManagerEvent, openMemory, events, active }: ViewContext) {
  return (
    <div className="columns">
      {loaded && embedder && bank ? (
        <ChatPanel llm={loaded.client} embedder={embedder} bank={bank} namespace={settings.namespace} retrievalK={settings.retrievalK} onManagerEvent={onManagerEvent} onOpenMemory={openMemory} />
      ) : (
        <section className="panel" aria-labelledby="chat-title">
          <h2 id="chat-title">Chat</h2>
          <p className="note" data-testid="chat-needs">
            Load a chat model and the embedding model below to chat with memory.
          </p>
        </section>
      )}
      {active && <OperationsLog events={events} db={bank?.db ?? null} onOpenMemory={openMemory} />}
    </div>
  );
}

function BankView({ bank, embedder, settings, selectedMemoryId, selectMemory }: ViewContext) {
  if (!bank) return <p role="status">Opening the memory bank…</p>;
  return <MemoryBankPanel bank={bank} namespace={settings.namespace} embedder={embedder} retrievalK={settings.retrievalK} selectedId={selectedMemoryId} onSelect={selectMemory} />;
}

function ReplayView({ loaded, embedder, bank, onManagerEvent, events, openMemory, active, dataGeneration }: ViewContext) {
  if (!bank) return <p role="status">Opening the memory bank…</p>;
  return (
    <div className="columns">
      <ReplayPanel key={dataGeneration} llm={loaded?.client ?? null} embedder={embedder} bank={bank} onManagerEvent={onManagerEvent} />
      {active && <OperationsLog events={events} db={bank.db} onOpenMemory={openMemory} />}
    </div>
  );
}

function SettingsView({ bank, settings, updateSettings, clearEvents }: ViewContext) {
  return (
    <div className="grid">
      <SettingsPanel settings={settings} updateSettings={updateSettings} db={bank?.db ?? null} />
      {bank && <DataPanel bank={bank} onWiped={clearEvents} />}
    </div>
  );
}
