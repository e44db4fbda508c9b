/** The Markdown report says what ran, who judged, whether the prompt cache was on, and what was skipped and why. */
import { describe, expect, it } from 'vitest';
import { describeJudge, describeSkipped, markdownReport } from './evalResults';
import type { EvalReport } from './evalRunner';
import { DEFAULT_PIPELINE_SETTINGS } from './pipelines/evalPipeline';

const report = (over: Partial<EvalReport['config']>): EvalReport => ({
  config: {
    data: 'locomo10.json#ab',
    split: 'val',
    pipelines: ['rag'],
    limit: 5,
    maxTurns: 40,
    settings: DEFAULT_PIPELINE_SETTINGS,
    model: 'smol',
    judgeModel: null,
    promptCache: false,
    ...over,
  },
  questions: 5,
  skipped: { adversarial: 47, beyondMaxTurns: 120, noEvidence: 2, overLimit: 3 },
  descriptions: {},
  summaries: [],
  results: [],
});

describe('the report', () => {
  it('lists every skip reason with its count, and "none" when nothing was skipped', () => {
    expect(describeSkipped({ adversarial: 47, beyondMaxTurns: 120, noEvidence: 2, overLimit: 3 })).toBe(
      '47 adversarial (category 5: no gold answer, never scored); 120 with evidence beyond --max-turns; 2 with no evidence listed (cannot tell whether --max-turns holds the answer); 3 over --limit',
    );
    expect(describeSkipped({ adversarial: 0, beyondMaxTurns: 0, noEvidence: 0, overLimit: 3 })).toBe('3 over --limit');
    expect(describeSkipped({ adversarial: 0, beyondMaxTurns: 0, noEvidence: 0, overLimit: 0 })).toBe('none');
  });

  it('names the judge: none, another model, or the model under test judging itself', () => {
    expect(describeJudge({ model: 'smol', judgeModel: null })).toBe('none (no J)');
    expect(describeJudge({ model: 'smol', judgeModel: 'qwen-7b' })).toBe('qwen-7b');
    expect(describeJudge({ model: 'smol', judgeModel: 'smol' })).toMatch(/^smol \(the model under test grades its own answers/);
  });

  it('states the prompt cache, the judge and the skipped counts', () => {
    const off = markdownReport(report({}));
    expect(off).toContain('- judge: none (no J)');
    expect(off).toContain('- prompt cache: off');
    expect(off).toContain('- skipped: 47 adversarial');
    expect(off).toContain('3 over --limit');
    expect(markdownReport(report({ promptCache: true, judgeModel: 'qwen-7b' }))).toMatch(/- judge: qwen-7b, prompt judge-v1\n- prompt cache: ON/);
  });
});
