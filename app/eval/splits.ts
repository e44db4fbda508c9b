/**
 * Memory-R1's split of LoCoMo's ten conversations: conv-26 trains, conv-30 validates, the other eight are the test
 * set. `all` is every conversation in the file. Named here so the CLI, the app and the training code agree.
 */
import type { LocomoConversation } from './locomo';

export const EVAL_SPLITS = ['train', 'val', 'test', 'all'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];

export const MEMORY_R1_SPLIT = { train: ['conv-26'], val: ['conv-30'] } as const;

export function isEvalSplit(value: string): value is EvalSplit {
  return (EVAL_SPLITS as readonly string[]).includes(value);
}

export function splitOf(sampleId: string): Exclude<EvalSplit, 'all'> {
  if ((MEMORY_R1_SPLIT.train as readonly string[]).includes(sampleId)) return 'train';
  if ((MEMORY_R1_SPLIT.val as readonly string[]).includes(sampleId)) return 'val';
  return 'test';
}

/** The split's conversations in file order; an empty split is an error that says what the file holds. */
export function selectSplit(conversations: readonly LocomoConversation[], split: EvalSplit): LocomoConversation[] {
  const chosen = split === 'all' ? [...conversations] : conversations.filter((c) => splitOf(c.sampleId) === split);
  if (chosen.length === 0) {
    const held = conversations.map((c) => `${c.sampleId} (${splitOf(c.sampleId)})`).join(', ') || 'no conversations';
    throw new Error(`the file has no ${split} conversations (Memory-R1's split: train conv-26, val conv-30, test the other eight); it holds ${held}`);
  }
  return chosen;
}
