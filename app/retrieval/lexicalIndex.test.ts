import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LexicalDoc, type LexicalHit, LexicalIndex } from './lexicalIndex';
import { analyze, dateWords, processTerm } from './textAnalysis';

describe('text analysis', () => {
  it('Porter-stems (the published vocabulary samples)', () => {
    const pairs: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['agreed', 'agre'],
      ['motoring', 'motor'],
      ['hopping', 'hop'],
      ['filing', 'file'],
      ['happy', 'happi'],
      ['relational', 'relat'],
      ['generalizations', 'gener'],
      ['adoption', 'adopt'],
      ['controll', 'control'],
      ['electrical', 'electr'],
      ['rate', 'rate'],
      ['cease', 'ceas'],
    ];
    for (const [word, stem] of pairs) expect(processTerm(word, { stopWords: false })).toBe(stem);
  });

  it('lowercases, drops stop words and apostrophes, stems', () => {
    expect(analyze("What did Caroline's dogs adopt in May?")).toEqual(['carolin', 'dog', 'adopt', 'mai']);
    expect(dateWords('2023-05-08T13:56')).toBe('8 may 2023');
    expect(dateWords(null)).toBe('');
  });
});

const docs: LexicalDoc[] = [
  { id: 'm1', namespace: 'user:alice', text: 'Alice adopted a dog named Buddy', eventTime: '2023-05-08' },
  { id: 'm2', namespace: 'user:alice', text: 'Alice lives in Berlin' },
  { id: 'm3', namespace: 'user:bob', text: 'Bob is adopting a cat' },
];

describe('LexicalIndex', () => {
  it('finds by stemmed terms, filters by namespace, finds an update by its new text only, never a removed one', () => {
    const index = LexicalIndex.create(docs);
    expect(
      index
        .search('adoption', { k: 5 })
        .map((h) => h.id)
        .sort(),
    ).toEqual(['m1', 'm3']);
    expect(index.search('adoption', { k: 5, namespaces: ['user:bob'] }).map((h) => h.id)).toEqual(['m3']);
    expect(index.search('adoption', { k: 5, namespaces: [] })).toEqual([]);
    index.upsert({ id: 'm2', namespace: 'user:alice', text: 'Alice moved to Paris' });
    expect(index.search('Berlin', { k: 5 })).toEqual([]);
    expect(index.search('paris', { k: 5 }).map((h) => h.id)).toEqual(['m2']);
    index.remove('m1');
    expect(index.search('buddy dog', { k: 5 })).toEqual([]);
    expect(index.size).toBe(2);
    expect(index.search('the of and', { k: 5 })).toEqual([]);
  });

  it('matches dates through the date field and the speaker through the namespace', () => {
    const index = LexicalIndex.create(docs);
    expect(index.search('May 2023', { k: 5 }).map((h) => h.id)).toEqual(['m1']);
    expect(index.search('bob', { k: 5 }).map((h) => h.id)).toEqual(['m3']);
    expect(index.search('dog', { k: 1 })[0]).toMatchObject({ id: 'm1', namespace: 'user:alice', eventTime: '2023-05-08' });
  });

  it('round-trips through toJSON / loadJSON (also as a JSON string) and rejects another version', () => {
    const index = LexicalIndex.create(docs);
    index.remove('m3');
    const copy = LexicalIndex.loadJSON(JSON.parse(JSON.stringify(index.toJSON())));
    expect(copy.search('alice adopted', { k: 5 })).toEqual(index.search('alice adopted', { k: 5 }));
    expect(copy.ids().sort()).toEqual(['m1', 'm2']);
    expect(LexicalIndex.loadJSON(JSON.stringify(index.toJSON())).size).toBe(2);
    expect(() => LexicalIndex.loadJSON({ ...index.toJSON(), version: 0 })).toThrow(/version/);
  });

  it('reconciles a stale copy doing only the work that differs', () => {
    const old = LexicalIndex.create(docs);
    const now: LexicalDoc[] = [docs[0]!, { ...docs[1]!, text: 'Alice lives in Rome' }, { id: 'm4', namespace: 'user:bob', text: 'Bob plays chess' }];
    expect(old.reconcile(now)).toEqual({ kept: 1, upserted: 2, removed: 1 });
    expect(old.ids().sort()).toEqual(['m1', 'm2', 'm4']);
    expect(old.search('berlin', { k: 5 })).toEqual([]);
  });
});

// ---- property: any sequence of operations leaves the index equal to one built from scratch ---------------------

const WORDS = [
  'dog',
  'dogs',
  'cat',
  'adopted',
  'adopting',
  'paris',
  'berlin',
  'painting',
  'paints',
  'sunrise',
  'race',
  'charity',
  'camping',
  'the',
  'a',
  'may',
  '2023',
  'support',
  'group',
  'caroline',
  'melanie',
];
const NAMESPACES = ['user:a', 'user:b'];
const QUERIES = ['dog', 'adopting cats', 'painting a sunrise', 'charity race in may', 'caroline support group', 'berlin paris', 'the', 'melanie 2023'];

const textArb = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));
const docArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    namespace: fc.constantFrom(...NAMESPACES),
    text: textArb,
    eventTime: fc.option(fc.constantFrom('2023-05-08', '2023-06-01T10:00', '2022-12-31'), { nil: null }),
  });
const idArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `m${i}`));
type Op =
  | { kind: 'upsert'; doc: LexicalDoc }
  | { kind: 'remove'; id: string }
  | { kind: 'bulk'; docs: LexicalDoc[] }
  | { kind: 'reload' }
  | { kind: 'reconcile' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: idArb.chain(docArb).map((doc) => ({ kind: 'upsert' as const, doc })) },
  { weight: 3, arbitrary: idArb.map((id) => ({ kind: 'remove' as const, id })) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(idArb, { maxLength: 6 })
      .chain((ids) => fc.tuple(...ids.map(docArb)))
      .map((d) => ({ kind: 'bulk' as const, docs: d as LexicalDoc[] })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reload' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
);

/** Scores rounded: an index patched in place sums its field lengths in another order than a fresh one. */
function normalized(hits: LexicalHit[]) {
  return hits.map((h) => ({ ...h, score: Math.round(h.score * 1e6) / 1e6 })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

describe('LexicalIndex sync (property)', () => {
  it('after random add / update / delete / bulk import / reload / reconcile, every query equals a from-scratch index', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let index = LexicalIndex.create();
        const truth = new Map<string, LexicalDoc>();
        for (const op of ops) {
          if (op.kind === 'upsert') {
            index.upsert(op.doc);
            truth.set(op.doc.id, op.doc);
          } else if (op.kind === 'remove') {
            index.remove(op.id);
            truth.delete(op.id);
          } else if (op.kind === 'bulk') {
            index.bulkLoad(op.docs);
            truth.clear();
            for (const d of op.docs) truth.set(d.id, d);
          } else if (op.kind === 'reload') {
            index = LexicalIndex.loadJSON(JSON.parse(JSON.stringify(index.toJSON())));
          } else {
            index.reconcile(truth.values());
          }
        }
        const fresh = LexicalIndex.create(truth.values());
        expect(index.ids().sort()).toEqual([...truth.keys()].sort());
        for (const q of QUERIES) {
          for (const namespaces of [undefined, ['user:a'], ['user:b']]) {
            const opts = { k: 20, ...(namespaces ? { namespaces } : {}) };
            expect(normalized(index.search(q, opts))).toEqual(normalized(fresh.search(q, opts)));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
