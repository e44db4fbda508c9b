/**
 * The lexical half of retrieval: a MiniSearch index (BM25+ scoring, per-field boosts) over the memory bank.
 * Fields: `text` (the memory), `speaker` (who it is about or who said it; for bank memories the namespace's name)
 * and `date` (the event time as words, "8 may 2023"). Terms are lowercase, stop-word-filtered and Porter-stemmed
 * (textAnalysis.ts). Pure TypeScript: runs in Node, the page or a worker; serializes to a plain object.
 *
 * Kept in sync by upsert (ADD/UPDATE: the new text replaces the old one) and remove (DELETE). Removal is exact
 * (MiniSearch's `remove` with the indexed text, kept as a stored field), not `discard`: a discarded document's
 * postings linger until an asynchronous vacuum and still count in BM25's document frequencies, so scores would
 * drift from a freshly built index's (the property test caught it). Every document stores a hash of what was
 * indexed, so a persisted copy can be reconciled against the bank (`reconcile`) instead of re-indexed.
 */
import MiniSearch, { type AsPlainObject, type Options } from 'minisearch';
import { analyze, dateWords, processTerm, tokenize } from './textAnalysis';

export interface LexicalDoc {
  id: string;
  namespace: string;
  text: string;
  /** Who said it or whom it is about; defaults to the namespace's name ("user:alice" → "alice"). */
  speaker?: string | null;
  /** ISO date or date-time; indexed as words in the `date` field. */
  eventTime?: string | null;
}

export interface LexicalHit {
  id: string;
  namespace: string;
  score: number;
  eventTime: string | null;
}

export interface FieldBoosts {
  text: number;
  speaker: number;
  date: number;
}

export interface LexicalSearchOptions {
  k: number;
  namespaces?: readonly string[];
  boost?: Partial<FieldBoosts>;
}

/** Defaults chosen on generic grounds: the text carries the content, names and dates are supporting evidence. */
export const DEFAULT_FIELD_BOOSTS: FieldBoosts = { text: 1, speaker: 0.5, date: 0.5 };

/** Serialized form; `version` changes whenever the analysis (tokens, stemming, fields) changes. */
export interface LexicalIndexJSON {
  version: number;
  index: AsPlainObject;
}

export const LEXICAL_INDEX_VERSION = 2;

interface StoredDoc {
  id: string;
  namespace: string;
  text: string;
  speaker: string;
  date: string;
  eventTime: string | null;
  hash: string;
}

const FIELDS = ['text', 'speaker', 'date'] as const;

/** Analysis switches, for the benchmark's ablations only: a persisted index always uses the defaults. */
export interface LexicalAnalysis {
  /** Porter stemming; default true. */
  stem?: boolean;
  /** Drop English stop words; default true. */
  stopWords?: boolean;
}

function minisearchOptions(analysis: LexicalAnalysis = {}): Options<StoredDoc> {
  const stem = analysis.stem ?? true;
  const stop = analysis.stopWords ?? true;
  return {
    idField: 'id',
    fields: [...FIELDS],
    storeFields: ['namespace', 'eventTime', 'hash', 'text', 'speaker'],
    tokenize,
    processTerm: stem && stop ? (term) => processTerm(term) : (term) => processTerm(term, { stem, stopWords: stop }),
  };
}
const MINISEARCH_OPTIONS = minisearchOptions();

function speakerOf(doc: LexicalDoc): string {
  if (doc.speaker) return doc.speaker;
  const colon = doc.namespace.indexOf(':');
  return colon >= 0 ? doc.namespace.slice(colon + 1) : doc.namespace;
}

/** FNV-1a (32-bit) of what gets indexed: cheap, enough to tell "changed since persisted". */
export function lexicalDocHash(doc: LexicalDoc): string {
  const s = `${doc.namespace}\u0000${doc.text}\u0000${speakerOf(doc)}\u0000${doc.eventTime ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36) + s.length.toString(36);
}

function toStored(doc: LexicalDoc): StoredDoc {
  return {
    id: doc.id,
    namespace: doc.namespace,
    text: doc.text,
    speaker: speakerOf(doc),
    date: dateWords(doc.eventTime),
    eventTime: doc.eventTime ?? null,
    hash: lexicalDocHash(doc),
  };
}

export class LexicalIndex {
  private mini: MiniSearch<StoredDoc>;
  /** The indexed ids (MiniSearch keeps them only in a protected field). */
  private readonly idSet = new Set<string>();

  private readonly options: Options<StoredDoc>;

  private constructor(mini: MiniSearch<StoredDoc>, ids: Iterable<string> = [], options: Options<StoredDoc> = MINISEARCH_OPTIONS) {
    this.mini = mini;
    this.options = options;
    for (const id of ids) this.idSet.add(id);
  }

  static create(docs: Iterable<LexicalDoc> = [], analysis?: LexicalAnalysis): LexicalIndex {
    const options = analysis ? minisearchOptions(analysis) : MINISEARCH_OPTIONS;
    const index = new LexicalIndex(new MiniSearch<StoredDoc>(options), [], options);
    index.bulkLoad(docs);
    return index;
  }

  /** Restores a serialized index; throws when it was written by another analysis version. */
  static loadJSON(json: LexicalIndexJSON | string): LexicalIndex {
    const parsed: LexicalIndexJSON = typeof json === 'string' ? (JSON.parse(json) as LexicalIndexJSON) : json;
    if (parsed?.version !== LEXICAL_INDEX_VERSION) throw new Error(`lexical index version ${String(parsed?.version)} is not ${LEXICAL_INDEX_VERSION}`);
    const mini = MiniSearch.loadJS<StoredDoc>(parsed.index, MINISEARCH_OPTIONS);
    return new LexicalIndex(
      mini,
      Object.values(parsed.index.documentIds)
        .map(String)
        .filter((id) => mini.has(id)),
    );
  }

  toJSON(): LexicalIndexJSON {
    return { version: LEXICAL_INDEX_VERSION, index: this.mini.toJSON() };
  }

  get size(): number {
    return this.mini.documentCount;
  }

  has(id: string): boolean {
    return this.mini.has(id);
  }

  /** The stored hash and event time of an indexed memory. */
  stored(id: string): { namespace: string; eventTime: string | null; hash: string } | undefined {
    const f = this.mini.getStoredFields(id);
    return f ? { namespace: String(f.namespace), eventTime: (f.eventTime as string | null) ?? null, hash: String(f.hash) } : undefined;
  }

  /** Replaces the whole content. */
  bulkLoad(docs: Iterable<LexicalDoc>): void {
    this.mini = new MiniSearch<StoredDoc>(this.options);
    const stored: StoredDoc[] = [];
    const seen = new Set<string>();
    for (const d of docs) {
      if (seen.has(d.id)) throw new Error(`duplicate id ${d.id}`);
      seen.add(d.id);
      stored.push(toStored(d));
    }
    this.mini.addAll(stored);
    this.idSet.clear();
    for (const id of seen) this.idSet.add(id);
  }

  /** Adds a document or replaces the one with its id (an UPDATE: only the new text will be found). */
  upsert(doc: LexicalDoc): void {
    this.remove(doc.id);
    this.mini.add(toStored(doc));
    this.idSet.add(doc.id);
  }

  remove(id: string): void {
    const f = this.mini.getStoredFields(id);
    if (f) {
      const eventTime = (f.eventTime as string | null | undefined) ?? null;
      this.mini.remove({
        id,
        namespace: String(f.namespace),
        text: String(f.text),
        speaker: String(f.speaker),
        date: dateWords(eventTime),
        eventTime,
        hash: String(f.hash),
      });
    }
    this.idSet.delete(id);
  }

  apply(changes: { upserts: readonly LexicalDoc[]; removes: readonly string[] }): void {
    for (const id of changes.removes) this.remove(id);
    for (const doc of changes.upserts) this.upsert(doc);
  }

  /**
   * Brings the index in line with `docs` (the bank's full content) doing only the work that differs: unchanged
   * documents (same hash) are kept, changed ones re-indexed, missing ones added, extra ones removed.
   */
  reconcile(docs: Iterable<LexicalDoc>): { kept: number; upserted: number; removed: number } {
    const seen = new Set<string>();
    let kept = 0;
    let upserted = 0;
    for (const doc of docs) {
      seen.add(doc.id);
      if (this.stored(doc.id)?.hash === lexicalDocHash(doc)) kept++;
      else {
        this.upsert(doc);
        upserted++;
      }
    }
    const extra: string[] = [];
    // Collected first: discarding while iterating would change what is iterated.
    for (const id of this.ids()) if (!seen.has(id)) extra.push(id);
    for (const id of extra) this.remove(id);
    return { kept, upserted, removed: extra.length };
  }

  /** Every indexed id. */
  ids(): string[] {
    return [...this.idSet];
  }

  /** Top-k by BM25 over the query's terms (any term may match), best first; ties broken by id. */
  search(query: string, options: LexicalSearchOptions): LexicalHit[] {
    if (options.k <= 0 || analyze(query).length === 0) return []; // only stop words: nothing to match
    const boost = { ...DEFAULT_FIELD_BOOSTS, ...options.boost };
    const namespaces = options.namespaces ? new Set(options.namespaces) : null;
    // MiniSearch reads a boost of 0 as 1 (`boost || 1`): a field switched off is left out of `fields` instead.
    const fields = FIELDS.filter((f) => boost[f] > 0);
    if (fields.length === 0) return [];
    const results = this.mini.search(query, {
      combineWith: 'OR',
      prefix: false,
      fuzzy: false,
      fields,
      boost,
      ...(namespaces ? { filter: (r) => namespaces.has(String(r.namespace)) } : {}),
    });
    results.sort((a, b) => b.score - a.score || (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
    return results.slice(0, options.k).map((r) => ({
      id: String(r.id),
      namespace: String(r.namespace),
      score: r.score,
      eventTime: (r.eventTime as string | null | undefined) ?? null,
    }));
  }
}
