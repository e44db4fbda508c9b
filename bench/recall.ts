/**
 * npm run bench:recall -- --data <locomo.json> [--retrievers bm25,dense,hybrid] [--k 5,10,30,60] [--ablation]
 *
 * LoCoMo evidence recall: every conversation's turns (speaker-prefixed text, image captions included, the
 * session's date as event time) go into one lexical index (one namespace per conversation) and, where the
 * embedding model (bge-small-en-v1.5, q8, from models/) loads, one dense index; every non-adversarial question
 * (category ≠ 5) ranks its own conversation's turns. Reported per retriever, per category and overall:
 * - per-evidence recall@k: the share of evidence dia_ids (pooled over questions) that are in the top k;
 * - all-evidence recall@k: the share of questions whose evidence is all in the top k;
 * - the mean time per query (the query's embedding excluded; reported separately).
 * Each retriever also runs with time-aware retrieval on (`+time`; relative phrases resolved against the
 * conversation's last session date). Hybrid is RRF with the project's default k (fusion.ts; `--rrf-k N` to
 * change it) and, for comparison, with Cormack et al.'s k=60. `--cv` chooses RRF's k and the lexical weight by leaving
 * one conversation out, and prints the held-out recall of that choice. `--ablation` adds lexical variants (plain BM25, no stemming, no stop words,
 * no speaker/date fields) to show which measure moved recall.
 *
 * The last line is exactly: `evidence recall@10 bm25=<a> dense=<b> hybrid=<c>` (per-evidence, time-aware off;
 * `skipped` where the embedding model is absent).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LocomoConversation, parseLocomo, turnText } from '../app/eval/locomo';
import { createVectorIndex } from '../app/memory/vectorIndex';
import { type DenseSearcher, hybridSearch } from '../app/retrieval/hybridSearch';
import { type FieldBoosts, type LexicalAnalysis, type LexicalDoc, LexicalIndex } from '../app/retrieval/lexicalIndex';
import { tokenize } from '../app/retrieval/textAnalysis';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(REPO_ROOT, '../shared/datasets/locomo/locomo-dev.json') },
    retrievers: { type: 'string', default: 'bm25,dense,hybrid' },
    k: { type: 'string', default: '5,10,30,60' },
    ablation: { type: 'boolean', default: false },
    'rrf-k': { type: 'string' },
    cv: { type: 'boolean', default: false },
  },
});
const KS = values.k
  .split(',')
  .map(Number)
  .filter((k) => Number.isInteger(k) && k > 0);
const RETRIEVERS = values.retrievers.split(',').map((s) => s.trim());
const POOL = Math.max(60, ...KS);

const conversations: LocomoConversation[] = parseLocomo(JSON.parse(readFileSync(values.data, 'utf8')));

interface Query {
  conversation: string;
  question: string;
  category: number;
  evidence: string[];
  reference: string;
}

const docs: LexicalDoc[] = [];
const queries: Query[] = [];
for (const c of conversations) {
  for (const t of c.turns)
    docs.push({ id: `${c.sampleId}/${t.diaId}`, namespace: c.sampleId, text: turnText(t), speaker: t.speaker, eventTime: t.sessionTime });
  const reference = c.turns.at(-1)?.sessionTime ?? null;
  for (const q of c.questions) {
    if (q.category === 5 || q.evidence.length === 0 || !reference) continue;
    // Evidence is sometimes written "D8:6; D9:17": split on anything that is not part of an id.
    const evidence = [...new Set(q.evidence.flatMap((e) => e.split(/[;,\s]+/)).filter(Boolean))].map((e) => `${c.sampleId}/${e}`);
    queries.push({ conversation: c.sampleId, question: q.question, category: q.category, evidence, reference });
  }
}
console.log(`data: ${values.data}: ${conversations.length} conversations, ${docs.length} turns, ${queries.length} non-adversarial questions with evidence`);

// ---- dense ---------------------------------------------------------------------------------------------------
let embed: ((texts: string[]) => Promise<Float32Array>) | null = null;
let denseReason = '';
if (RETRIEVERS.some((r) => r.startsWith('dense') || r.startsWith('hybrid'))) {
  try {
    const { LOCAL_TRANSFORMERS_DIR, BGE_SMALL_MODEL_ID } = await import('../scripts/test-models');
    const transformers = await import('@huggingface/transformers');
    const { createEmbedder } = await import('../app/embed/embedder');
    const embedder = await createEmbedder(transformers, { modelId: BGE_SMALL_MODEL_ID, localModelBaseUrl: LOCAL_TRANSFORMERS_DIR });
    embed = (texts) => embedder.embed(texts);
  } catch (error) {
    denseReason = error instanceof Error ? error.message : String(error);
    console.log(`dense: skipped (embedding model not loaded: ${denseReason})`);
  }
}

let dense: DenseSearcher | null = null;
const queryVectors = new Map<string, Float32Array>();
let embedQueryMs = 0;
if (embed) {
  const t0 = performance.now();
  const packed = await embed(docs.map((d) => d.text));
  const dims = packed.length / docs.length;
  const index = await createVectorIndex({ dims });
  index.bulkLoad({ ids: docs.map((d) => d.id), namespaces: docs.map((d) => d.namespace), vectors: packed });
  const t1 = performance.now();
  const qs = [...new Set(queries.map((q) => q.question))];
  // No bge query instruction ("Represent this sentence for searching relevant passages: "): measured worse here
  // (dense recall@10 0.518 with it, 0.531 without).
  const qPacked = await embed(qs);
  embedQueryMs = (performance.now() - t1) / qs.length;
  qs.forEach((q, i) => queryVectors.set(q, qPacked.slice(i * dims, (i + 1) * dims)));
  console.log(
    `dense: bge-small-en-v1.5 q8, ${docs.length} turns embedded in ${((t1 - t0) / 1000).toFixed(1)} s; ${embedQueryMs.toFixed(1)} ms per question embedding (not in the per-query times below)`,
  );
  dense = index;
}

// ---- a plain Okapi BM25, the issue's reference (k1 1.2, b 0.75, lowercase alphanumeric tokens) ------------------
function plainBm25(all: LexicalDoc[]) {
  const byNs = new Map<string, { id: string; tf: Map<string, number>; len: number }[]>();
  for (const d of all) {
    const tf = new Map<string, number>();
    const toks = d.text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    const list = byNs.get(d.namespace) ?? [];
    list.push({ id: d.id, tf, len: toks.length });
    byNs.set(d.namespace, list);
  }
  return (query: string, namespace: string, k: number): string[] => {
    const list = byNs.get(namespace) ?? [];
    const n = list.length;
    const avg = list.reduce((s, d) => s + d.len, 0) / n;
    const terms = [
      ...new Set(
        query
          .toLowerCase()
          .split(/[^a-z0-9]+/)
          .filter(Boolean),
      ),
    ];
    const idf = new Map(
      terms.map((t) => {
        const df = list.filter((d) => d.tf.has(t)).length;
        return [t, Math.log(1 + (n - df + 0.5) / (df + 0.5))];
      }),
    );
    return list
      .map((d) => {
        let s = 0;
        for (const t of terms) {
          const f = d.tf.get(t) ?? 0;
          if (f) s += idf.get(t)! * ((f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.len) / avg)));
        }
        return { id: d.id, s };
      })
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s)
      .slice(0, k)
      .map((x) => x.id);
  };
}

// ---- retrievers ------------------------------------------------------------------------------------------------
type Ranker = (q: Query) => Promise<string[]>;
const lexical = LexicalIndex.create(docs);

function lexicalVariant(analysis: LexicalAnalysis | undefined, boost?: Partial<FieldBoosts>): Ranker {
  const index = analysis ? LexicalIndex.create(docs, analysis) : lexical;
  return async (q) => index.search(q.question, { k: POOL, namespaces: [q.conversation], ...(boost ? { boost } : {}) }).map((h) => h.id);
}

const RRF_K = values['rrf-k'] === undefined ? undefined : Number(values['rrf-k']);

function viaHybrid(useLexical: boolean, useDense: boolean, time: boolean, rrfK = RRF_K, lexicalWeight?: number): Ranker {
  return async (q) => {
    const out = await hybridSearch(
      { lexical, dense: useDense ? dense : null },
      { text: q.question, vector: useDense ? (queryVectors.get(q.question) ?? null) : null },
      {
        k: POOL,
        namespaces: [q.conversation],
        poolSize: POOL,
        timeAware: time ? { referenceDate: q.reference } : false,
        ...(rrfK !== undefined || lexicalWeight !== undefined
          ? { fusion: { ...(rrfK !== undefined ? { k: rrfK } : {}), ...(lexicalWeight !== undefined ? { weights: { lexical: lexicalWeight } } : {}) } }
          : {}),
        retrievers: [...(useLexical ? (['lexical'] as const) : []), ...(useDense ? (['dense'] as const) : [])],
      },
    );
    return out.results.map((r) => r.id);
  };
}

const rankers: { name: string; run: Ranker }[] = [];
for (const r of RETRIEVERS) {
  if (r === 'bm25') {
    rankers.push({ name: 'bm25', run: viaHybrid(true, false, false) }, { name: 'bm25+time', run: viaHybrid(true, false, true) });
    if (values.ablation) {
      const plain = plainBm25(docs);
      rankers.push(
        { name: 'plain-okapi', run: async (q) => plain(q.question, q.conversation, POOL) },
        { name: 'bm25 no-stem', run: lexicalVariant({ stem: false }) },
        { name: 'bm25 no-stopwords', run: lexicalVariant({ stopWords: false }) },
        { name: 'bm25 text-only', run: lexicalVariant(undefined, { speaker: 0, date: 0 }) },
        { name: 'bm25 no-date', run: lexicalVariant(undefined, { date: 0 }) },
        { name: 'bm25 no-speaker', run: lexicalVariant(undefined, { speaker: 0 }) },
        { name: 'bm25 speaker=1 date=1', run: lexicalVariant(undefined, { speaker: 1, date: 1 }) },
      );
    }
  } else if (r === 'dense' && dense) {
    rankers.push({ name: 'dense', run: viaHybrid(false, true, false) }, { name: 'dense+time', run: viaHybrid(false, true, true) });
  } else if (r === 'hybrid' && dense) {
    rankers.push({ name: 'hybrid', run: viaHybrid(true, true, false) }, { name: 'hybrid+time', run: viaHybrid(true, true, true) });
    // Cormack et al.'s standard k, beside the project's default (fusion.ts DEFAULT_RRF_K, chosen with --cv).
    if (RRF_K !== 60) rankers.push({ name: 'hybrid rrf-k=60', run: viaHybrid(true, true, false, 60) });
  }
}
// tokenize is imported so a query with no terms is visible in the counts below.
const emptyQueries = queries.filter((q) => tokenize(q.question).length === 0).length;
if (emptyQueries) console.log(`${emptyQueries} questions have no tokens`);

// ---- evaluation ------------------------------------------------------------------------------------------------
const categories = [...new Set(queries.map((q) => q.category))].sort();
const fmt = (x: number) => x.toFixed(3);
const summary = new Map<string, number>();

for (const { name, run } of rankers) {
  const perCat = new Map<number | 'all', { evFound: number[]; evTotal: number; allFound: number[]; questions: number }>();
  const bucket = (c: number | 'all') => {
    let b = perCat.get(c);
    if (!b) {
      b = { evFound: KS.map(() => 0), evTotal: 0, allFound: KS.map(() => 0), questions: 0 };
      perCat.set(c, b);
    }
    return b;
  };
  let ms = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const ranked = await run(q);
    ms += performance.now() - t0;
    for (const b of [bucket(q.category), bucket('all')]) {
      b.questions++;
      b.evTotal += q.evidence.length;
      KS.forEach((k, i) => {
        const top = new Set(ranked.slice(0, k));
        const found = q.evidence.filter((e) => top.has(e)).length;
        b.evFound[i]! += found;
        if (found === q.evidence.length) b.allFound[i]! += 1;
      });
    }
  }
  console.log(`\n${name}: mean ${(ms / queries.length).toFixed(2)} ms/query`);
  console.log(
    `  ${'category'.padEnd(9)} ${'n'.padStart(4)}  ${KS.map((k) => `ev@${k}`.padStart(7)).join('')}  ${KS.map((k) => `all@${k}`.padStart(8)).join('')}`,
  );
  for (const c of [...categories, 'all' as const]) {
    const b = perCat.get(c);
    if (!b) continue;
    console.log(
      `  ${String(c).padEnd(9)} ${String(b.questions).padStart(4)}  ${b.evFound.map((f) => fmt(f / b.evTotal).padStart(7)).join('')}  ${b.allFound.map((f) => fmt(f / b.questions).padStart(8)).join('')}`,
    );
  }
  const all = perCat.get('all')!;
  const i10 = KS.indexOf(10);
  if (i10 >= 0) summary.set(name, all.evFound[i10]! / all.evTotal);
}

// ---- held-out choice of the fusion settings (--cv) -----------------------------------------------------------------
// Choosing RRF's k or the retrievers' weights on the file they are measured on overstates the result. Leave one
// conversation out: pick the setting that is best on the other conversations, measure it on the one left out, and pool
// those held-out figures. A setting is worth adopting only if every fold picks it (or the held-out figure beats the
// default's anyway).
if (values.cv && dense) {
  const grid: { k: number; w: number }[] = [];
  for (const k of [1, 5, 10, 20, 30, 60, 100]) for (const w of [1, 1.5, 2]) grid.push({ k, w });
  const convs = [...new Set(queries.map((q) => q.conversation))];
  // found@10 and evidence count per conversation, per setting.
  const table = new Map<string, Map<string, { found: number; total: number }>>();
  for (const g of grid) {
    const run = viaHybrid(true, true, false, g.k, g.w);
    const per = new Map<string, { found: number; total: number }>();
    for (const q of queries) {
      const top = new Set((await run(q)).slice(0, 10));
      const e = per.get(q.conversation) ?? { found: 0, total: 0 };
      e.found += q.evidence.filter((x) => top.has(x)).length;
      e.total += q.evidence.length;
      per.set(q.conversation, e);
    }
    table.set(`k=${g.k} w_lex=${g.w}`, per);
  }
  const recallOn = (name: string, cs: string[]) => {
    let f = 0;
    let t = 0;
    for (const c of cs) {
      const e = table.get(name)!.get(c)!;
      f += e.found;
      t += e.total;
    }
    return f / t;
  };
  console.log('\nheld-out fusion choice (leave one conversation out; per-evidence recall@10):');
  for (const [name] of table)
    console.log(`  ${name.padEnd(16)} ${convs.map((c) => `${c} ${fmt(recallOn(name, [c]))}`).join('  ')}  all ${fmt(recallOn(name, convs))}`);
  if (convs.length < 2) console.log('  (one conversation: nothing to hold out)');
  else {
    let found = 0;
    let total = 0;
    const picks: string[] = [];
    for (const held of convs) {
      const train = convs.filter((c) => c !== held);
      const best = [...table.keys()].reduce((a, b) => (recallOn(b, train) > recallOn(a, train) ? b : a));
      picks.push(best);
      const e = table.get(best)!.get(held)!;
      found += e.found;
      total += e.total;
      console.log(`  fold ${held}: best on ${train.join(',')} is ${best} (${fmt(recallOn(best, train))}); on ${held}: ${fmt(recallOn(best, [held]))}`);
    }
    console.log(
      `  held-out recall@10 of the per-fold picks: ${fmt(found / total)}; picks ${new Set(picks).size === 1 ? 'agree' : 'differ'}: ${[...new Set(picks)].join(' / ')}`,
    );
  }
}

const at10 = (name: string) => (summary.has(name) ? fmt(summary.get(name)!) : 'skipped');
if (!KS.includes(10)) console.log('\n(--k does not include 10: the summary line has no figures)');
console.log(`\nevidence recall@10 bm25=${at10('bm25')} dense=${at10('dense')} hybrid=${at10('hybrid')}`);
process.exit(0);
