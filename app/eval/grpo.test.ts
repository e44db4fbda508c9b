import { describe, expect, it } from 'vitest';
import { groupAdvantages, type RolloutGroup, rolloutRows, toJsonl } from './grpo';

describe('groupAdvantages', () => {
  it('is (r − mean) / sample std', () => {
    // rewards 1, 0, 0, 0: mean 0.25, sample variance (0.5625 + 3 × 0.0625) / 3 = 0.25, std 0.5
    expect(groupAdvantages([1, 0, 0, 0])).toEqual([1.5, -0.5, -0.5, -0.5]);
    // 1, 1, 0, 0: mean 0.5, sample variance 4 × 0.25 / 3 = 1/3
    const a = groupAdvantages([1, 1, 0, 0]);
    expect(a[0]).toBeCloseTo(0.5 / Math.sqrt(1 / 3), 12);
    expect(a[3]).toBeCloseTo(-0.5 / Math.sqrt(1 / 3), 12);
  });
  it('is 0 for every sample when all rewards are equal or the group has one sample', () => {
    expect(groupAdvantages([1, 1, 1])).toEqual([0, 0, 0]);
    expect(groupAdvantages([0, 0])).toEqual([0, 0]);
    expect(groupAdvantages([1])).toEqual([0]);
    expect(groupAdvantages([])).toEqual([]);
  });
  it('sums to zero within a group', () => {
    const a = groupAdvantages([0.2, 0.9, 0.4, 0.4, 1]);
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(0, 12);
  });
});

describe('rolloutRows', () => {
  const group: RolloutGroup = {
    groupId: 'answer-agent/conv-26/3',
    policy: 'answer-agent',
    prompt: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'q' },
    ],
    groundTruth: '7 May 2023',
    split: 'train',
    sampleId: 'conv-26',
    qaIndices: [3],
    turnId: null,
    model: 'm',
    promptVersion: 'answer-v1',
    temperature: 1,
    rewardKind: 'exact-match',
    samples: [
      { completion: '{"memory_ids":[],"answer":"7 May 2023"}', reward: 1 },
      { completion: '{"memory_ids":[],"answer":"May"}', reward: 0 },
    ],
  };
  it('writes one JSONL row per sample with the trainers’ fields', () => {
    const rows = rolloutRows(group, 10);
    const lines = toJsonl(rows)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      prompt: group.prompt,
      completion: [{ role: 'assistant', content: '{"memory_ids":[],"answer":"7 May 2023"}' }],
      reward: 1,
      group_id: 'answer-agent/conv-26/3',
      label: true,
      data_source: 'locomo',
      ability: 'answer-agent',
      reward_model: { style: 'rule', ground_truth: '7 May 2023' },
      extra_info: { split: 'train', index: 10, sample: 0, group_size: 2, qa_indices: [3], reward_kind: 'exact-match' },
    });
    expect(lines[1]).toMatchObject({ reward: 0, label: false, extra_info: { index: 11, sample: 1 } });
    // two samples 1 and 0: mean 0.5, sample std sqrt(0.5)
    expect(rows[0]!.advantage).toBeCloseTo(0.5 / Math.sqrt(0.5), 12);
    expect(rows[1]!.advantage).toBeCloseTo(-0.5 / Math.sqrt(0.5), 12);
    expect(toJsonl([])).toBe('');
  });
});
