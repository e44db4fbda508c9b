/**
 * What a row of a bank file may hold, table by table: one valibot schema each, with the record types inferred from
 * them (checked against the app's own record types below, so the two cannot drift apart). The bounds are the ones
 * the app's own write paths keep (validateMemoryOps.ts), so an import cannot store what the app would refuse.
 *
 * Settings are per key: only the keys an export writes are read back, each with its own schema. Settings about this
 * device (the storage-persistence request) and caches derived from the bank (the saved lexical index, whose stored
 * hashes would be trusted) are never exported and never imported.
 */
import * as v from 'valibot';
import type { ConversationRecord, EvalRunRecord, OpEventRecord } from './db';
import type { HistoryRecord, MemoryRecord, SettingRecord, TurnRecord } from './types';
import { isIsoTime, memoryTextProblem } from './validateMemoryOps';

export const MAX_ID_LENGTH = 200;
/** A turn is what a person typed or said in one message; a pasted page fits, a 10 MB blob does not. */
export const MAX_TURN_TEXT_LENGTH = 32_000;
export const MAX_SOURCE_TURN_IDS = 1_000;
/** Date's own range: an epoch-ms time outside it shows as "Invalid Date". */
const MAX_EPOCH_MS = 8.64e15;
const MAX_LABEL_LENGTH = 200;

// Controls (other than tab and newline) and bidi overrides have no place in an id, a namespace or a label.
const CLEAN_LINE = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/u;

const id = v.pipe(
  v.string('must be a string'),
  v.nonEmpty('must not be empty'),
  v.maxLength(MAX_ID_LENGTH, `is longer than ${MAX_ID_LENGTH} characters`),
  v.regex(CLEAN_LINE, 'contains control characters'),
);
const nullableId = v.nullable(id);
const namespace = id;
const label = v.pipe(
  v.string(),
  v.maxLength(MAX_LABEL_LENGTH, `is longer than ${MAX_LABEL_LENGTH} characters`),
  v.regex(CLEAN_LINE, 'contains control characters'),
);
const epochMs = v.pipe(
  v.number('must be a finite number'),
  v.finite('must be a finite number'),
  v.minValue(0, 'must not be before 1970'),
  v.maxValue(MAX_EPOCH_MS, 'is past the last date a Date can hold'),
);
const isoTime = v.pipe(
  v.string(),
  v.maxLength(40, 'is too long for an ISO time'),
  v.check((s) => isIsoTime(s), 'must be an ISO date (YYYY-MM-DD) or date-time'),
);
const memoryText = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = dataset.typed ? memoryTextProblem(dataset.value) : null;
    if (problem) addIssue({ message: problem.replace(/^text /, '') });
  }),
);
const turnText = v.pipe(v.string(), v.maxLength(MAX_TURN_TEXT_LENGTH, `is longer than ${MAX_TURN_TEXT_LENGTH} characters`));

/** By tag rather than instanceof: typeson revives with the global constructor, which need not be this realm's. */
export function isFloat32Array(value: unknown): value is Float32Array {
  return Object.prototype.toString.call(value) === '[object Float32Array]';
}

const embedding = v.pipe(
  v.custom<Float32Array>(isFloat32Array, 'must be a Float32Array'),
  v.check((e) => e.length > 0, 'is empty'),
  v.check((e) => e.every((x) => Number.isFinite(x)), 'has a value that is not finite'),
  v.check((e) => e.some((x) => x !== 0), 'is all zeros'),
);

export const memoryRowSchema = v.strictObject({
  id,
  namespace,
  text: memoryText,
  embedding,
  createdAt: epochMs,
  updatedAt: epochMs,
  sourceTurnIds: v.pipe(v.array(id), v.maxLength(MAX_SOURCE_TURN_IDS, `has more than ${MAX_SOURCE_TURN_IDS} turn ids`)),
  eventTime: v.nullable(isoTime),
});

export const historyRowSchema = v.pipe(
  v.strictObject({
    id,
    batchId: id,
    seq: v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must not be negative'), v.maxValue(10_000, 'is past any batch')),
    op: v.picklist(['ADD', 'UPDATE', 'DELETE', 'NOOP'], 'must be one of ADD, UPDATE, DELETE, NOOP'),
    memoryId: nullableId,
    namespace,
    before: v.nullable(memoryText),
    after: v.nullable(memoryText),
    turnId: nullableId,
    at: epochMs,
    model: label,
    promptVersion: label,
  }),
  v.forward(
    v.check((row) => row.memoryId !== null || row.op === 'NOOP', 'is null, but only a NOOP may name no memory'),
    ['memoryId'],
  ),
  v.forward(
    v.check(
      (row) => (row.op === 'ADD' || row.op === 'UPDATE' ? row.after !== null : row.op === 'DELETE' ? row.after === null : true),
      'does not fit the operation (ADD and UPDATE have an after text, DELETE none)',
    ),
    ['after'],
  ),
);

const sourceSnapshot = v.strictObject({ memoryId: id, text: memoryText, updatedAt: epochMs });

export const turnRowSchema = v.strictObject({
  id,
  namespace,
  conversationId: label,
  speaker: label,
  role: v.picklist(['user', 'assistant', 'dialogue'], 'must be one of user, assistant, dialogue'),
  text: turnText,
  at: epochMs,
  sessionTime: v.nullable(isoTime),
  usedMemoryIds: v.optional(v.pipe(v.array(id), v.maxLength(MAX_SOURCE_TURN_IDS))),
  sources: v.optional(v.pipe(v.array(sourceSnapshot), v.maxLength(MAX_SOURCE_TURN_IDS))),
  considered: v.optional(
    v.strictObject({ listed: v.pipe(v.number(), v.integer(), v.minValue(0)), available: v.pipe(v.number(), v.integer(), v.minValue(0)), why: label }),
  ),
  stopped: v.optional(v.boolean()),
  // Carried as it is: an imported turn still waiting to be remembered is remembered by the importing bank's chat.
  memoryPendingSince: v.optional(epochMs),
});

export const conversationRowSchema = v.strictObject({ id, namespace, title: label, createdAt: epochMs, updatedAt: epochMs });

export const opEventRowSchema = v.strictObject({
  id,
  namespace,
  conversationId: v.nullable(label),
  turnId: id,
  at: epochMs,
  model: label,
  promptVersion: label,
  type: label,
  event: v.looseObject({ type: label, turnId: id }),
});

export const evalRunRowSchema = v.strictObject({
  id,
  startedAt: epochMs,
  finishedAt: v.nullable(epochMs),
  status: v.picklist(['running', 'done', 'stopped', 'failed']),
  config: v.unknown(),
  summaries: v.unknown(),
  results: v.unknown(),
});

/**
 * The settings an export writes and an import reads back, each with its value's schema. A key not listed here is
 * neither exported nor imported (an import lists the ones it skipped).
 */
export const PORTABLE_SETTINGS: readonly { key: RegExp; value: v.GenericSchema; what: string }[] = [
  // ReplayPanel.tsx: where a conversation's replay stopped, as the next turn's index.
  { key: /^replay\.position:[^\s]{1,200}$/u, value: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), what: 'a replay position' },
];

export function portableSetting(key: string): (typeof PORTABLE_SETTINGS)[number] | undefined {
  return PORTABLE_SETTINGS.find((s) => s.key.test(key));
}

export const settingRowSchema = v.pipe(
  v.strictObject({ key: v.pipe(v.string(), v.nonEmpty(), v.maxLength(MAX_ID_LENGTH)), value: v.unknown() }),
  v.forward(
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const setting = portableSetting(dataset.value.key);
      if (!setting) return; // not imported: the review lists it as skipped
      const result = v.safeParse(setting.value, dataset.value.value);
      if (!result.success) addIssue({ message: `is not ${setting.what}: ${result.issues[0].message}` });
    }),
    ['value'],
  ),
);

export const ROW_SCHEMAS = {
  memories: memoryRowSchema,
  memoryHistory: historyRowSchema,
  turns: turnRowSchema,
  conversations: conversationRowSchema,
  opEvents: opEventRowSchema,
  settings: settingRowSchema,
  evalRuns: evalRunRowSchema,
} as const;

export type ImportedRows = { [T in keyof typeof ROW_SCHEMAS]: v.InferOutput<(typeof ROW_SCHEMAS)[T]>[] };

// The inferred row types are the app's record types: a field added to one and not the other fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [
  Same<v.InferOutput<typeof memoryRowSchema>, MemoryRecord>,
  Same<v.InferOutput<typeof historyRowSchema>, HistoryRecord>,
  Same<v.InferOutput<typeof turnRowSchema>, TurnRecord>,
  Same<v.InferOutput<typeof conversationRowSchema>, ConversationRecord>,
  Same<v.InferOutput<typeof settingRowSchema>, SettingRecord>,
] = [true, true, true, true, true];
void agree;
// opEvents' and evalRuns' payloads are open-ended JSON; their outer fields are checked.
type Assignable<A, B> = [A] extends [B] ? true : false;
const assignable: [Assignable<v.InferOutput<typeof opEventRowSchema>, OpEventRecord>, Assignable<v.InferOutput<typeof evalRunRowSchema>, EvalRunRecord>] = [
  true,
  true,
];
void assignable;
