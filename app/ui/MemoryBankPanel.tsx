import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useRef, useState } from 'react';
import type { EmbedWorkerClient } from '../embed/embedClient';
import type { BankHybridSearchResult, MemoryBank } from '../memory/memoryBank';
import { type HistoryOp, MANUAL_PROPOSER } from '../memory/types';
import type { RetrieverRanks } from '../retrieval/fusion';
import type { HybridSearchOptions } from '../retrieval/hybridSearch';
import { MemoryDetail } from './MemoryDetail';
import { useBusyTask } from './useBusyTask';

interface MemoryBankPanelProps {
  bank: MemoryBank;
  /** The chat's namespace: the explorer opens on it. */
  namespace: string;
  embedder: EmbedWorkerClient | null;
  retrievalK: number;
  /** The memory whose history is open (chosen here, in the chat or in the op stream). */
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

const ALL = '';
const OPS: HistoryOp[] = ['ADD', 'UPDATE', 'DELETE', 'NOOP'];
const LIST_LIMIT = 200;

/** "lexical #2, dense #7": why hybrid search returned a memory. */
export function describeRanks(ranks: RetrieverRanks): string {
  const parts = [ranks.lexical !== undefined ? `lexical #${ranks.lexical}` : null, ranks.dense !== undefined ? `dense #${ranks.dense}` : null];
  return parts.filter(Boolean).join(', ');
}

interface SearchRequest {
  query: string;
  vector: Float32Array | null;
  options: HybridSearchOptions;
}

interface SearchState {
  request: SearchRequest;
  result: BankHybridSearchResult;
  /** True once the search ran again because the bank changed after it. */
  refreshed: boolean;
}

interface ListedMemory {
  id: string;
  namespace: string;
  text: string;
  eventTime: string | null;
  deleted: boolean;
}

/**
 * The bank explorer: the memories of a namespace (or all), filtered by the operations in their history, searched
 * through the agents' own hybrid retrieval with the reason each result came back, and each memory's history with
 * edit and delete by hand. Live through useLiveQuery, so the agents' and other tabs' writes show up at once.
 */
export function MemoryBankPanel({ bank, namespace, embedder, retrievalK, selectedId, onSelect }: MemoryBankPanelProps) {
  const { db } = bank;
  const [nsFilter, setNsFilter] = useState<string>(namespace);
  const [opFilter, setOpFilter] = useState<HistoryOp | typeof ALL>(ALL);
  const namespaces = useLiveQuery(() => db.memories.orderBy('namespace').uniqueKeys(), [db]) as string[] | undefined;
  const inNs = (ns: string) => nsFilter === ALL || ns === nsFilter;
  const count = useLiveQuery(() => (nsFilter === ALL ? db.memories.count() : db.memories.where('namespace').equals(nsFilter).count()), [db, nsFilter]);
  const listed = useLiveQuery(async (): Promise<ListedMemory[]> => {
    if (opFilter === ALL) {
      const memories = await db.memories
        .orderBy('updatedAt')
        .reverse()
        .filter((m) => inNs(m.namespace))
        .limit(LIST_LIMIT)
        .toArray();
      return memories.map((m) => ({ id: m.id, namespace: m.namespace, text: m.text, eventTime: m.eventTime, deleted: false }));
    }
    // Memories whose history holds this operation, most recent first; a deleted one is listed with its last text.
    const rows = (await db.memoryHistory.where('op').equals(opFilter).toArray()).filter((h) => h.memoryId && inNs(h.namespace)).sort((a, b) => b.at - a.at);
    const ids = [...new Set(rows.map((h) => h.memoryId!))].slice(0, LIST_LIMIT);
    const records = await db.memories.bulkGet(ids);
    return Promise.all(
      ids.map(async (id, i) => {
        const m = records[i];
        if (m) return { id, namespace: m.namespace, text: m.text, eventTime: m.eventTime, deleted: false };
        const last = await db.memoryHistory.where('memoryId').equals(id).sortBy('at');
        const row = last.at(-1)!;
        return { id, namespace: row.namespace, text: row.before ?? row.after ?? '', eventTime: null, deleted: true };
      }),
    );
  }, [db, nsFilter, opFilter]);

  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<SearchState | null>(null);
  const { busy, problem, setProblem, run } = useBusyTask();

  // Results never go stale. Every change to the bank writes a history row (a wipe empties the table), so this count
  // moves with every edit, delete, add, import or wipe, here, in the chat or in another tab; the search then runs
  // again with the same query and vector. Until it has, hits are shown through a live read of their memories: a
  // deleted one drops out at once and an edited one shows its new text.
  const historyCount = useLiveQuery(() => db.memoryHistory.count(), [db]);
  // The count can move before the bank's search indexes have the change (they are patched after the commit). The
  // bank announces on its changes channel once they have it (after a patch here or in another tab, or a rebuild),
  // and another BroadcastChannel object in this tab hears that too: the search runs again then as well.
  const [indexUpdates, setIndexUpdates] = useState(0);
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(`${db.name}:changes`);
    channel.onmessage = () => setIndexUpdates((n) => n + 1);
    return () => channel.close();
  }, [db]);
  const bankVersion = historyCount === undefined ? undefined : `${historyCount}:${indexUpdates}`;
  const hitKey = (search?.result.hits ?? []).map((h) => h.memory.id).join('\n');
  const liveHits = useLiveQuery(async () => ({ key: hitKey, records: await db.memories.bulkGet(hitKey ? hitKey.split('\n') : []) }), [db, hitKey]);
  const searchedAt = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!search || bankVersion === undefined) return;
    if (searchedAt.current === undefined || searchedAt.current === bankVersion) return;
    searchedAt.current = bankVersion;
    const { request } = search;
    let live = true;
    bank
      .hybridSearch(request.query, request.vector, request.options)
      .then((result) => live && setSearch({ request, result, refreshed: true }))
      .catch((e: unknown) => live && setProblem(`Search could not be refreshed: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      live = false;
    };
  }, [bankVersion, bank, search, setProblem]);
  const shownHits = (search?.result.hits ?? []).flatMap((h, i) => {
    // Until the live read has caught up with these hits (a new search), they show as the search returned them.
    if (liveHits?.key !== hitKey) return [h];
    const current = liveHits.records[i];
    return current ? [{ ...h, memory: current }] : [];
  });

  const addNamespace = nsFilter === ALL ? namespace : nsFilter;
  const addMemory = () =>
    run(async () => {
      if (!embedder) return;
      const embedding = await embedder.embed([text]);
      // The closest memories are the batch's candidates, so validation can refuse a fact the bank already has.
      const similar = await bank.hybridSearch(text, embedding, { k: 5, namespaces: [addNamespace] });
      const candidateIds = similar.hits.map((h) => h.memory.id);
      const applied = await bank.apply({
        namespace: addNamespace,
        ops: [{ op: 'ADD', text, embedding }],
        candidateIds,
        turnId: null,
        proposer: MANUAL_PROPOSER,
      });
      if (!applied.ok) setProblem(`Not added: ${applied.errors.map((e) => e.reason).join('; ')}`);
      else setText('');
    });

  const deleteMemory = (id: string, ns: string) =>
    run(async () => {
      const applied = await bank.apply({ namespace: ns, ops: [{ op: 'DELETE', id }], candidateIds: [id], turnId: null, proposer: MANUAL_PROPOSER });
      if (!applied.ok) setProblem(`Not deleted: ${applied.errors.map((e) => e.reason).join('; ')}`);
    });

  const runSearch = () =>
    run(async () => {
      // The agents' retrieval: lexical + dense fused; without the embedding model, lexical only (and it says so).
      const vector = embedder ? await embedder.embed([query]) : null;
      const request: SearchRequest = { query, vector, options: { k: retrievalK, ...(nsFilter === ALL ? {} : { namespaces: [nsFilter] }) } };
      const version = bankVersion;
      const result = await bank.hybridSearch(request.query, request.vector, request.options);
      searchedAt.current = version;
      setSearch({ request, result, refreshed: false });
    });

  return (
    <div className="explorer">
      <section aria-labelledby="bank-title" className="panel">
        <h2 id="bank-title">Memory bank</h2>
        <div className="row">
          <label htmlFor="ns-filter">Namespace</label>
          <select id="ns-filter" value={nsFilter} onChange={(e) => setNsFilter(e.target.value)}>
            <option value={ALL}>All namespaces</option>
            {[...new Set([namespace, ...(namespaces ?? [])])].map((ns) => (
              <option key={ns} value={ns}>
                {ns}
              </option>
            ))}
          </select>
          <label htmlFor="op-filter">Operation</label>
          <select id="op-filter" value={opFilter} onChange={(e) => setOpFilter(e.target.value as HistoryOp | typeof ALL)}>
            <option value={ALL}>Any</option>
            {OPS.map((op) => (
              <option key={op} value={op}>
                {op === 'DELETE' ? 'DELETE (deleted memories)' : `had ${op}`}
              </option>
            ))}
          </select>
        </div>
        <p className="meta" data-testid="bank-count">
          {count ?? '…'} {count === 1 ? 'memory' : 'memories'} in {nsFilter === ALL ? 'all namespaces' : nsFilter}
        </p>
        {!embedder && <p className="note">Load the embedding model to add or edit memories; search runs on words alone until then.</p>}
        <search>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void runSearch();
            }}
          >
            <label htmlFor="memory-search">Search</label>
            <input id="memory-search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="What pet does Alice have?" />
            <button type="submit" disabled={busy || !query.trim()}>
              Search
            </button>
          </form>
        </search>
        {search && (
          <div className="search-result">
            {search.result.denseOff && (
              <p className="note" data-testid="dense-off">
                {search.result.denseOff}
              </p>
            )}
            {search.refreshed && (
              <p className="note" data-testid="search-refreshed">
                The bank changed since you searched: these results are from searching again.
              </p>
            )}
            {shownHits.length === 0 && <p className="note">No memory matches.</p>}
            <ol className="memory-list" data-testid="search-hits" aria-label="Search results, best first">
              {shownHits.map((h) => (
                <li key={h.memory.id}>
                  <button type="button" className="link memory-text" onClick={() => onSelect(h.memory.id)}>
                    {h.memory.text}
                  </button>
                  <span className="why" data-testid="hit-ranks">
                    {describeRanks(h.ranks)}
                    {h.timeMatch ? ', date match' : ''}
                  </span>
                </li>
              ))}
            </ol>
          </div>
        )}
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
        {problem && (
          <p role="alert" className="error" data-testid="bank-problem">
            {problem}
          </p>
        )}
        <ul className="memory-list" data-testid="memory-list" aria-label={opFilter === ALL ? 'Most recent memories' : `Memories that had ${opFilter}`}>
          {(listed ?? []).map((m) => (
            <li key={m.id} className={m.id === selectedId ? 'selected' : undefined} data-memory-id={m.id}>
              {/* Memory text is data, never markup: React renders it as a text node. */}
              <button
                type="button"
                className="link memory-text"
                aria-label={`History of memory: ${m.text}`}
                aria-pressed={m.id === selectedId}
                onClick={() => onSelect(m.id)}
              >
                {m.deleted ? <del>{m.text}</del> : m.text}
              </button>
              {m.eventTime && <span className="note">({m.eventTime})</span>}
              {nsFilter === ALL && <span className="note">{m.namespace}</span>}
              {!m.deleted && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Delete memory: ${m.text}`}
                  disabled={busy}
                  onClick={() => void deleteMemory(m.id, m.namespace)}
                >
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      {selectedId ? (
        <MemoryDetail bank={bank} id={selectedId} embedder={embedder} onClose={() => onSelect(null)} />
      ) : (
        <section className="panel" aria-label="Memory history">
          <p className="note">Choose a memory to see its history and to edit it.</p>
        </section>
      )}
    </div>
  );
}
