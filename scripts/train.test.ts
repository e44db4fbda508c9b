/**
 * npm run train's TypeScript half: bad input stops before any venv or model is touched, and the training data is
 * the Answer Agent's own prompt over conv-26 only. No torch here (the trainer itself runs in npm run train --smoke).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMORY_MANAGER_PROMPT_VERSION } from '../app/agent/memoryManager';
import { answerSchema, buildAnswerMessages } from '../app/agent/prompts/answerPrompt';
import { ANSWER_REPLY_PREFIX, answerTrainingRows, managerTrainingRows, planTraining, TrainUsageError } from './train';

const dir = mkdtempSync(path.join(tmpdir(), 'train-test-'));
const data = path.join(dir, 'locomo.json');

function sample(id: string, question: string) {
  return {
    sample_id: id,
    conversation: {
      speaker_a: 'Jon',
      speaker_b: 'Gina',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Jon', dia_id: 'D1:1', text: 'I lost my job at the bank.' },
        { speaker: 'Gina', dia_id: 'D1:2', text: 'I opened a dance studio.' },
      ],
    },
    observation: { session_1_observation: { Jon: [['Jon lost his job at the bank.', 'D1:1']], Gina: [['Gina opened a dance studio.', 'D1:2']] } },
    qa: [
      { question, answer: 'the bank', evidence: ['D1:1'], category: 4 },
      { question: 'Is there no answer?', adversarial_answer: 'x', evidence: [], category: 5 },
    ],
  };
}
const locomo = [sample('conv-26', 'Where did Jon work?'), sample('conv-30', 'VAL ONLY question?')];
writeFileSync(data, JSON.stringify(locomo));

function refused(argv: string[]): string {
  try {
    planTraining(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(TrainUsageError);
    return (error as Error).message;
  }
  throw new Error('planTraining accepted bad input');
}

describe('npm run train refuses bad input before training', () => {
  it('a missing GGUF', () => expect(refused(['--data', data, '--model', path.join(dir, 'nope.gguf')])).toMatch(/nope\.gguf: no such file/));
  it('an unknown split', () => expect(refused(['--data', data, '--split', 'dev'])).toMatch(/unknown split "dev"/));
  it('a scored split', () => expect(refused(['--data', data, '--split', 'val'])).toMatch(/never trained on/));
  it('a missing data file', () => expect(refused(['--data', path.join(dir, 'missing.json')])).toMatch(/missing\.json: no such file/));
  it('a batch of partial groups', () => expect(refused(['--data', data, '--group-size', '4', '--batch', '6'])).toMatch(/multiple of --group-size/));
  it('a non-empty output folder', () => expect(refused(['--data', data, '--out', dir])).toMatch(/not empty/));
  it('the manager without rollouts', () => expect(refused(['--policy', 'manager'])).toMatch(/needs --rollouts/));
  it('a temperature out of range', () => {
    expect(refused(['--data', data, '--temperature', '0'])).toMatch(/--temperature must be a number above 0/);
    expect(refused(['--data', data, '--temperature', 'hot'])).toMatch(/got "hot"/);
  });
  it('a base export with no export', () =>
    expect(refused(['--data', data, '--export', 'none', '--export-base'])).toMatch(/--export-base needs an export type/));

  it('a rollout file from another prompt version', () => {
    const row = {
      ability: 'memory-manager',
      prompt: [],
      completion: [{ role: 'assistant', content: '{}' }],
      reward: 1,
      advantage: 1,
      extra_info: { prompt_version: 'facts-v0+update-v0' },
    };
    expect(() => managerTrainingRows(JSON.stringify(row), 'old.jsonl')).toThrow(/prompt version facts-v0\+update-v0, but the app now builds/);
    const current = { ...row, extra_info: { prompt_version: MEMORY_MANAGER_PROMPT_VERSION } };
    expect(managerTrainingRows(`${JSON.stringify(current)}\n`, 'new.jsonl')).toHaveLength(1);
  });

  it('a good command line becomes a plan', () => {
    const plan = planTraining(['--data', data, '--lora', '--reward', 'f1', '--steps', '3', '--out', path.join(dir, 'run')]);
    expect(plan.config).toMatchObject({ policy: 'answer', reward: 'f1', steps: 3, lora_rank: 16, lr: 1e-4, group_size: 4, batch: 8 });
    expect(plan.config).toMatchObject({ temperature: 1, export_base: false });
    const bench = planTraining(['--data', data, '--temperature', '0.7', '--export-base', '--out', path.join(dir, 'run2')]);
    expect(bench.config).toMatchObject({ temperature: 0.7, export: 'q8_0', export_base: true });
  });
});

describe('the Answer Agent training data', () => {
  const rows = answerTrainingRows(locomo, 10, 8);

  it("samples after the reply's start the app's grammar forces: the schema's first key, an array", () => {
    const schema = answerSchema(['0', '1'], 'benchmark') as { properties: Record<string, { type: string }> };
    const [first] = Object.keys(schema.properties);
    expect(schema.properties[first!]!.type).toBe('array');
    expect(ANSWER_REPLY_PREFIX).toBe(`{"${first}":[`);
    const plan = planTraining(['--data', data, '--out', path.join(dir, 'run3')]);
    expect(plan.config.reply_prefix).toBe(ANSWER_REPLY_PREFIX);
  });

  it('comes from conv-26 only, scored questions only', () => {
    expect(rows.map((r) => [r.sample_id, r.ground_truth])).toEqual([['conv-26', 'the bank']]);
    expect(JSON.stringify(rows)).not.toContain('VAL ONLY');
  });

  it('is the prompt app/agent builds, with the evidence observation listed', () => {
    const prompt = rows[0]!.prompt;
    const builder = buildAnswerMessages({ question: 'Where did Jon work?', memories: [], mode: 'benchmark', format: 'json' });
    expect(prompt.slice(0, -1)).toEqual(builder.slice(0, -1));
    const last = prompt.at(-1)!.content;
    for (const text of ['Jon lost his job at the bank.', '8 May 2023', 'Where did Jon work?']) expect(last).toContain(text);
  });
});
