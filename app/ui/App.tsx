import { useCallback, useState } from 'react';
import type { MemoryManagerEvent } from '../agent/memoryManager';
import type { EmbedWorkerClient } from '../embed/embedClient';
import type { LoadedChatModel } from '../llm/browserEngines';
import { chooseEngine } from '../llm/engineChoice';
import { CapabilitiesPanel } from './CapabilitiesPanel';
import { ChatPanel } from './ChatPanel';
import { EmbeddingPanel } from './EmbeddingPanel';
import { MemoryBankPanel } from './MemoryBankPanel';
import { ModelPanel } from './ModelPanel';
import { OperationsLog, type LoggedEvent } from './OperationsLog';
import { Playground } from './Playground';
import { useSettings } from './settings';
import { useCapabilities } from './useCapabilities';
import { useMemoryBank } from './useMemoryBank';

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

function AppBody({
  caps,
  settings,
  updateSettings,
  loaded,
  setLoaded,
}: {
  caps: NonNullable<ReturnType<typeof useCapabilities>>;
  settings: ReturnType<typeof useSettings>[0];
  updateSettings: ReturnType<typeof useSettings>[1];
  loaded: LoadedChatModel | null;
  setLoaded: (m: LoadedChatModel | null) => void;
}) {
  const choice = chooseEngine(caps, settings.engineOverride ?? undefined);
  const [embedder, setEmbedder] = useState<EmbedWorkerClient | null>(null);
  const { bank, error } = useMemoryBank();
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const onManagerEvent = useCallback((event: MemoryManagerEvent, model: string) => {
    setEvents((list) => [...list.slice(-199), { key: (list.at(-1)?.key ?? 0) + 1, at: Date.now(), model, event }]);
  }, []);
  const chatReady = loaded && embedder && bank;
  return (
    <div className="grid">
      {chatReady ? (
        <ChatPanel llm={loaded.client} embedder={embedder} bank={bank} namespace={settings.namespace} onManagerEvent={onManagerEvent} />
      ) : (
        <section className="panel" aria-labelledby="chat-title">
          <h2 id="chat-title">Chat</h2>
          <p className="note" data-testid="chat-needs">
            Load a chat model and the embedding model below to chat with memory.
          </p>
        </section>
      )}
      <OperationsLog events={events} />
      <CapabilitiesPanel caps={caps} choice={choice} />
      <ModelPanel caps={caps} choice={choice} settings={settings} updateSettings={updateSettings} loaded={loaded} onLoaded={setLoaded} />
      {loaded && <Playground client={loaded.client} />}
      <EmbeddingPanel settings={settings} updateSettings={updateSettings} client={embedder} setClient={setEmbedder} />
      {bank && <MemoryBankPanel bank={bank} namespace={settings.namespace} embedder={embedder} />}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
