import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { EmbedWorkerClient } from '../embed/embedClient';
import type { MemoryBank, MemoryHit } from '../memory/memoryBank';
import { MANUAL_PROPOSER } from '../memory/types';

interface MemoryBankPanelProps {
  bank: MemoryBank;
  namespace: string;
  embedder: EmbedWorkerClient | null;
}

/** The bank as it is in IndexedDB: live through useLiveQuery, so other tabs' and the agents' writes show up. */
export function MemoryBankPanel({ bank, namespace, embedder }: MemoryBankPanelProps) {
  const { db } = bank;
  const count = useLiveQuery(() => db.memories.where('namespace').equals(namespace).count(), [db, namespace]);
  const recent = useLiveQuery(
    () => db.memories.orderBy('updatedAt').reverse().filter((m) => m.namespace === namespace).limit(20).toArray(),
    [db, namespace],
  );
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<MemoryHit[] | null>(null);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');

  async function run(task: () => Promise<void>) {
    setBusy(true);
    setProblem('');
    setNotice('');
    try {
      await task();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  const addMemory = () =>
    run(async () => {
      if (!embedder) return;
      const embedding = await embedder.embed([text]);
      // The closest memories are the batch's candidates, so validation can refuse a fact the bank already has.
      const similar = await bank.search(embedding, { k: 5, namespaces: [namespace] });
      const candidateIds = similar.map((h) => h.memory.id);
      const result = await bank.apply({ namespace, ops: [{ op: 'ADD', text, embedding }], candidateIds, turnId: null, proposer: MANUAL_PROPOSER });
      if (!result.ok) setProblem(`Not added: ${result.errors.map((e) => e.reason).join('; ')}`);
      else setText('');
    });

  const deleteMemory = (id: string) =>
    run(async () => {
      const result = await bank.apply({ namespace, ops: [{ op: 'DELETE', id }], candidateIds: [id], turnId: null, proposer: MANUAL_PROPOSER });
      if (!result.ok) setProblem(`Not deleted: ${result.errors.map((e) => e.reason).join('; ')}`);
    });

  const exportAll = () =>
    run(async () => {
      const { exportBank } = await import('../memory/exportImport');
      const blob = await exportBank(db);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `memory-r1-bank-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  const importFile = (file: File) =>
    run(async () => {
      const { importBank } = await import('../memory/exportImport');
      const summary = await importBank(db, file, { mode: 'merge' });
      await bank.changedWholesale();
      setNotice(`Imported ${summary.imported.memories} memories, ${summary.imported.memoryHistory} history rows and ${summary.imported.turns} turns.`);
    });

  const search = () =>
    run(async () => {
      if (!embedder) return;
      const vector = await embedder.embed([query]);
      setHits(await bank.search(vector, { k: 10, namespaces: [namespace] }));
    });

  return (
    <section aria-labelledby="bank-title" className="panel">
      <h2 id="bank-title">Memory bank</h2>
      <p className="meta" data-testid="bank-count">
        {count ?? '…'} {count === 1 ? 'memory' : 'memories'} in {namespace}
      </p>
      {!embedder && <p className="note">Load the embedding model to add or search memories.</p>}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void addMemory();
        }}
      >
        <label htmlFor="new-memory">New memory</label>
        <input id="new-memory" value={text} onChange={(e) => setText(e.target.value)} placeholder="Alice adopted a dog named Buddy" />
        <button type="submit" disabled={!embedder || busy || !text.trim()}>
          Add
        </button>
      </form>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label htmlFor="memory-search">Search</label>
        <input id="memory-search" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="submit" disabled={!embedder || busy || !query.trim()}>
          Search
        </button>
      </form>
      <div className="row">
        <button type="button" onClick={() => void exportAll()} disabled={busy}>
          Export bank
        </button>
        <label className="file-button">
          Import a bank file
          <input
            type="file"
            accept="application/json,.json"
            data-testid="import-file"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importFile(file);
            }}
          />
        </label>
      </div>
      {notice && (
        <p role="status" data-testid="bank-notice">
          {notice}
        </p>
      )}
      {problem && (
        <p role="alert" className="error" data-testid="bank-problem">
          {problem}
        </p>
      )}
      {hits && (
        <ol className="memory-list" data-testid="search-hits" aria-label="Search results">
          {hits.map((h) => (
            <li key={h.memory.id}>
              <span className="score">{h.score.toFixed(3)}</span> {h.memory.text}
            </li>
          ))}
        </ol>
      )}
      <ul className="memory-list" data-testid="memory-list" aria-label="Most recent memories">
        {(recent ?? []).map((m) => (
          <li key={m.id}>
            {/* Memory text is data, never markup: React renders it as a text node. */}
            <span className="memory-text">{m.text}</span>
            {m.eventTime && <span className="note"> ({m.eventTime})</span>}
            <button type="button" className="link" aria-label={`Delete memory: ${m.text}`} disabled={busy} onClick={() => void deleteMemory(m.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
