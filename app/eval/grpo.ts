/**
 * GRPO's outcome-reward bookkeeping (Shao et al. 2024, as Memory-R1 trains with it) and the JSONL rows a trainer
 * reads. No trainer here: docs/training.md says how TRL or verl consume the rows.
 *
 * Advantage of sample i in a group: (r_i − mean(r)) / std(r), 0 for every sample when all rewards are equal (or
 * the group has one sample). std is the *sample* standard deviation (divisor G − 1), because that is what the
 * trainers compute from the same rewards — TRL's GRPOTrainer and verl's GRPO advantage both call `torch.std`,
 * which is Bessel-corrected — so the advantages in a file equal those a trainer would recompute (they add a small
 * epsilon to the divisor; we need none, the all-equal case being 0 by definition).
 */
import type { ChatMessage } from '../llm/types';

export function groupAdvantages(rewards: readonly number[]): number[] {
  const g = rewards.length;
  if (g < 2) return rewards.map(() => 0);
  const mean = rewards.reduce((a, b) => a + b, 0) / g;
  const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (g - 1);
  const std = Math.sqrt(variance);
  if (std === 0 || !Number.isFinite(std)) return rewards.map(() => 0);
  return rewards.map((r) => (r - mean) / std);
}

export type RolloutPolicy = 'answer-agent' | 'memory-manager';

/**
 * One sampled completion, as a JSONL row several trainers read without conversion:
 * - TRL (conversational prompt–completion, and KTO's unpaired preference): `prompt`, `completion`, `label`;
 *   GRPOTrainer (online) takes `prompt` and hands the other columns (`ground_truth`) to the reward function;
 * - verl (RLHFDataset, after `to_parquet`): `data_source`, `prompt`, `ability`, `reward_model`, `extra_info`;
 * - offline GRPO / advantage-weighted fine-tuning: `reward`, `advantage` and `group_id` (same prompt, G samples).
 */
export interface RolloutRow {
  prompt: ChatMessage[];
  completion: [{ role: 'assistant'; content: string }];
  reward: number;
  advantage: number;
  group_id: string;
  /** KTO: the sample did better than its group. */
  label: boolean;
  ground_truth: string;
  data_source: 'locomo';
  ability: RolloutPolicy;
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: {
    split: string;
    index: number;
    sample: number;
    group_size: number;
    sample_id: string;
    /** The QA the reward came from (answer-agent: the question; memory-manager: every QA whose evidence has the turn). */
    qa_indices: number[];
    turn_id: string | null;
    reward_kind: RewardKind;
    model: string;
    prompt_version: string;
    temperature: number;
  };
}

/**
 * What a sample's reward measures: Memory-R1's exact match, or Mem0's token F1 — the option for small models, whose
 * exact matches are so rare that whole groups earn 0 and have no advantage to learn from.
 */
export type RewardKind = 'exact-match' | 'token-f1';

export interface RolloutSample {
  completion: string;
  reward: number;
  /** What the reward was computed from (answers, applied ops), for people reading the file; not for trainers. */
  detail?: string;
}

export interface RolloutGroup {
  groupId: string;
  policy: RolloutPolicy;
  prompt: ChatMessage[];
  groundTruth: string;
  split: string;
  sampleId: string;
  qaIndices: number[];
  turnId: string | null;
  model: string;
  promptVersion: string;
  temperature: number;
  rewardKind: RewardKind;
  samples: RolloutSample[];
}

/** A group's rows, in sample order, with their advantages. `index` numbers rows across the whole file. */
export function rolloutRows(group: RolloutGroup, firstIndex: number): RolloutRow[] {
  const advantages = groupAdvantages(group.samples.map((s) => s.reward));
  return group.samples.map((s, i) => ({
    prompt: group.prompt,
    completion: [{ role: 'assistant', content: s.completion }],
    reward: s.reward,
    advantage: advantages[i]!,
    group_id: group.groupId,
    label: advantages[i]! > 0,
    ground_truth: group.groundTruth,
    data_source: 'locomo',
    ability: group.policy,
    reward_model: { style: 'rule', ground_truth: group.groundTruth },
    extra_info: {
      split: group.split,
      index: firstIndex + i,
      sample: i,
      group_size: group.samples.length,
      sample_id: group.sampleId,
      qa_indices: group.qaIndices,
      turn_id: group.turnId,
      reward_kind: group.rewardKind,
      model: group.model,
      prompt_version: group.promptVersion,
      temperature: group.temperature,
    },
  }));
}

export function toJsonl(rows: readonly RolloutRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}
