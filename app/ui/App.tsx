import { lazy, type ReactNode, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { ChatSession } from '../chat/chatSession';
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
import { OperationsLog } from './OperationsLog';
import { Playground } from './Playground';
import { ReplayPanel } from './ReplayPanel';
import { SettingsPanel } from './SettingsPanel';
import { type Settings, useSettings } from './settings';
import { useCapabilities } from './useCapabilities';
import { useMemoryBank } from './useMemoryBank';

declare global {
  // The developer console's handle on the chat session (e2e tests and bench:chat use it too).
  var memoryR1Chat: ChatSession | undefined;
}

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
  /** The turn's core: answers, remembering (chat and replay), the op stream; null while the bank opens. */
  session: ChatSession | null;
  /** Opens a memory's history in the bank explorer. */
  openMemory: (id: string) => void;
  /** The model panels (loading, catalog, cache clear, backend): shown on the views that set `models`. */
  models: ReactNode;
  selectedMemoryId: string | null;
  selectMemory: (id: string | null) => void;
  /** After a wipe: selections and positions in the old data are dropped. */
  onWiped: () => void;
  /** The chat is in use: the model panels fold into one line. */
  onChatting: () => void;
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
  const session = useChatSession(bank, settings.retrievalK, settings.latencyBudgetS);
  const modelsReady = loaded !== null && embedder !== null;
  useEffect(() => session?.setModels(loaded && embedder ? { llm: loaded.client, embedder } : null), [session, loaded, embedder]);
  // The model panels fill the view while models load; once the chat is in use they fold into one line.
  const [chatting, setChatting] = useState(false);
  const [modelsShown, setModelsShown] = useState(false);
  const onChatting = useCallback(() => setChatting(true), []);
  const [view, go] = useCurrentView();
  const [visited, setVisited] = useState(() => new Set([view]));
  const [selectedMemoryId, selectMemory] = useState<string | null>(null);
  useEffect(() => setVisited((s) => (s.has(view) ? s : new Set([...s, view]))), [view]);

  const openMemory = useCallback(
    (id: string) => {
      selectMemory(id);
      go('bank');
    },
    [go],
  );
  const [dataGeneration, setDataGeneration] = useState(0);
  const onWiped = useCallback(() => {
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
  const ctx: Omit<ViewContext, 'active'> = {
    loaded,
    embedder,
    bank,
    session,
    settings,
    updateSettings,
    openMemory,
    models,
    selectedMemoryId,
    selectMemory,
    onWiped,
    onChatting,
    dataGeneration,
  };
  const folded = chatting && modelsReady && !modelsShown;
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
        {folded && (
          <p className="meta row" data-testid="models-folded">
            {loaded!.client.modelId} and {embedder!.modelId} are loaded.
            <button type="button" className="link" onClick={() => setModelsShown(true)}>
              Show the model panels
            </button>
          </p>
        )}
        <div className="grid" hidden={folded}>
          {models}
        </div>
      </section>
    </>
  );
}

function ChatView({ loaded, embedder, session, settings, openMemory, onChatting, active }: ViewContext) {
  return (
    <div className="columns">
      {session ? (
        <ChatPanel
          session={session}
          namespace={settings.namespace}
          modelsReady={loaded !== null && embedder !== null}
          onOpenMemory={openMemory}
          onChatting={onChatting}
        />
      ) : (
        <p role="status">Opening the memory bank…</p>
      )}
      {active && <OperationsLog db={session?.bank.db ?? null} onOpenMemory={openMemory} />}
    </div>
  );
}

function BankView({ bank, embedder, settings, selectedMemoryId, selectMemory }: ViewContext) {
  if (!bank) return <p role="status">Opening the memory bank…</p>;
  return (
    <MemoryBankPanel
      bank={bank}
      namespace={settings.namespace}
      embedder={embedder}
      retrievalK={settings.retrievalK}
      selectedId={selectedMemoryId}
      onSelect={selectMemory}
    />
  );
}

function ReplayView({ loaded, embedder, session, openMemory, active, dataGeneration }: ViewContext) {
  if (!session) return <p role="status">Opening the memory bank…</p>;
  return (
    <div className="columns">
      <ReplayPanel key={dataGeneration} session={session} modelsReady={loaded !== null && embedder !== null} />
      {active && <OperationsLog db={session.bank.db} onOpenMemory={openMemory} />}
    </div>
  );
}

function SettingsView({ bank, session, settings, updateSettings, onWiped }: ViewContext) {
  return (
    <div className="grid">
      <SettingsPanel settings={settings} updateSettings={updateSettings} db={bank?.db ?? null} />
      {bank && (
        <DataPanel
          bank={bank}
          onWiped={() => {
            // Turns waiting to be remembered belonged to the wiped data.
            session?.stopRemembering({ log: false });
            onWiped();
          }}
        />
      )}
    </div>
  );
}

/**
 * One chat session per open bank, made in an effect (StrictMode's second mount gets a fresh one; the first is
 * disposed). Its turn timings go where the developer console and bench:chat read them.
 */
function useChatSession(bank: MemoryBank | null, retrievalK: number, latencyBudgetS: number): ChatSession | null {
  const [session, setSession] = useState<ChatSession | null>(null);
  const kRef = useRef(retrievalK);
  kRef.current = retrievalK;
  const budgetRef = useRef(latencyBudgetS);
  budgetRef.current = latencyBudgetS;
  useEffect(() => {
    if (!bank) return;
    const s = new ChatSession({
      bank,
      retrievalK: () => kRef.current,
      latencyBudgetS: () => budgetRef.current,
      onMetrics: (m) => globalThis.memoryR1?.chatMetrics.push(m),
    });
    setSession(s);
    globalThis.memoryR1Chat = s;
    return () => {
      s.dispose();
      if (globalThis.memoryR1Chat === s) globalThis.memoryR1Chat = undefined;
      setSession(null);
    };
  }, [bank]);
  return session;
}
