/**
 * The eval CLI: its help documents every flag, the judge must be named before any model loads, and the same
 * small evaluation run twice with the default settings (prompt cache off) writes byte-identical scores — on the
 * REAL model (SmolLM2-135M GGUF, one thread) and the project's LoCoMo-format file: conv-30's first 2 turns, its
 * first question, `ours` (the Memory Manager's calls while ingesting, the Answer Agent's) judged by itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../app/eval/evalRunner';
import { LOCOMO_FIXTURE_PATH } from '../app/eval/fixtures/locomoFixture';
import { chooseJudge, main, OPTIONS, USAGE, UsageError } from './eval';
import { assertTestModelsPresent, TEST_CHAT_GGUF_PATH } from './test-models';

const dir = mkdtempSync(path.join(tmpdir(), 'eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run eval', () => {
  it('--help documents every flag, with examples', () => {
    for (const flag of Object.keys(OPTIONS)) expect(USAGE, `--${flag}`).toContain(`--${flag}`);
    expect(USAGE).toContain('examples');
    expect(USAGE).toMatch(/--limit N +score at most N questions/);
    expect(USAGE).toMatch(/--max-turns N +ingest only the first N turns/);
  });

  it('refuses a run whose judge is not named, or named twice, before loading anything', async () => {
    expect(() => chooseJudge({})).toThrow(/name the judge: --judge-model <id> \[--judge-base-url <url>\], --judge self .*, or --no-judge/);
    expect(() => chooseJudge({ judge: 'self', 'no-judge': true })).toThrow(/contradict/);
    expect(() => chooseJudge({ judge: 'gpt' })).toThrow(/--judge takes only "self"/);
    expect(() => chooseJudge({ 'judge-base-url': 'http://127.0.0.1:1/v1' })).toThrow(/need --judge-model/);
    expect(chooseJudge({ judge: 'self' })).toBe('self');
    expect(chooseJudge({ 'judge-model': 'qwen' })).toBe('separate');
    expect(chooseJudge({ 'no-judge': true })).toBe('none');
    // No model file is opened: the usage error comes first.
    await expect(main(['--data', LOCOMO_FIXTURE_PATH, '--model', 'no-such.gguf'])).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses rollout options that cannot apply, before loading anything', async () => {
    await expect(main(['rollouts', '--data', LOCOMO_FIXTURE_PATH, '--model', 'm.gguf', '--answer-model', 'no-such.gguf'])).rejects.toThrow(
      /--answer-model: no such GGUF file: no-such.gguf/,
    );
    await expect(main(['--data', LOCOMO_FIXTURE_PATH, '--no-judge', '--answer-model', 'a.gguf'])).rejects.toThrow(/--answer-model is a rollouts option/);
  });

  // Two runs of ~6 model calls each on shared cores.
  it('the same evaluation run twice gives byte-identical scores (prompt cache off by default)', { timeout: 600_000 }, async () => {
    assertTestModelsPresent();
    const run = async (name: string) => {
      const out = path.join(dir, `${name}.json`);
      const args = ['--data', LOCOMO_FIXTURE_PATH, '--split', 'val', '--pipeline', 'ours', '--max-turns', '2', '--limit', '1'];
      await main([...args, '--model', TEST_CHAT_GGUF_PATH, '--threads', '1', '--judge', 'self', '--quiet', '--out', out]);
      const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
      return { report, markdown: readFileSync(out.replace(/\.json$/, '.md'), 'utf8') };
    };
    const first = await run('first');
    const second = await run('second');
    // Everything but wall-clock times, byte for byte.
    const scored = (r: EvalReport) =>
      JSON.stringify({
        config: r.config,
        results: r.results.map(({ latencyMs: _l, ...rest }) => rest),
        summaries: r.summaries.map(({ latencyP50Ms: _a, latencyP95Ms: _b, ...rest }) => rest),
      });
    expect(first.report.results).toHaveLength(1);
    expect(first.report.results[0]!.judge === 'CORRECT' || first.report.results[0]!.judge === 'WRONG').toBe(true);
    expect(scored(second.report)).toBe(scored(first.report));
    expect(first.report.config.promptCache).toBe(false);
    expect(first.markdown).toContain('- prompt cache: off');
    expect(first.markdown).toMatch(/- judge: .*the model under test grades its own answers: --judge self/);
    expect(first.markdown).toMatch(/- skipped: \d+ adversarial.*; \d+ with evidence beyond --max-turns/);
  });
});
