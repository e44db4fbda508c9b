/**
 * npm run bench:train-sampling: online GRPO (TRL samples with transformers' generate inside the step) or iterated
 * GRPO (the project samples with node-llama-cpp, TRL takes the gradient step, the policy goes back to GGUF and is
 * reloaded before the next sampling)? Times both samplers on the same prompts, same G, same token budget, in one
 * run, and adds the costs only the iterated loop pays (export to GGUF, reload), measured by the training run.
 *
 *   npm run bench:train-sampling [-- --run train/runs/<a finished npm run train folder>] [--threads 2]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeLlamaCppClient } from '../app/llm/nodeLlamaCppClient';
import type { ChatMessage } from '../app/llm/types';
import { TEST_CHAT_GGUF_PATH } from '../scripts/test-models';
import { ensureVenv, REPO_ROOT, TRAIN_DIR, type TrainConfig, type TrainOutcome } from '../scripts/train';

const { values } = parseArgs({ options: { run: { type: 'string' }, threads: { type: 'string', default: '2' } } });
const runsDir = path.join(TRAIN_DIR, 'runs');
const run =
  values.run ??
  (existsSync(runsDir)
    ? readdirSync(runsDir)
        .map((d) => path.join(runsDir, d))
        .filter((d) => existsSync(path.join(d, 'result.json')))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
    : undefined);
if (!run || !existsSync(path.join(run, 'result.json'))) throw new Error('no finished training run: run npm run train -- --smoke first, or pass --run <folder>');
const config = JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')) as TrainConfig;
const result = JSON.parse(readFileSync(path.join(run, 'result.json'), 'utf8')) as TrainOutcome;
const prompts = readFileSync(config.data, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { prompt: ChatMessage[] }).prompt);
const threads = Number(values.threads);
const g = config.group_size;

// node-llama-cpp: the project's sampler, G samples per prompt at temperature 1 (its prompt cache serves repeats).
let t = performance.now();
const llm = await createNodeLlamaCppClient({ modelPath: TEST_CHAT_GGUF_PATH, threads });
const loadSeconds = (performance.now() - t) / 1000;
t = performance.now();
let llamaTokens = 0;
for (const messages of prompts) {
  for (let i = 0; i < g; i++) llamaTokens += (await llm.complete(messages, { maxTokens: config.max_completion_tokens, temperature: 1 })).usage.completionTokens;
}
const llamaSeconds = (performance.now() - t) / 1000;
await llm.dispose();

// transformers' generate, as GRPOTrainer samples, on the same prompts.
const python = ensureVenv();
const py = spawnSync(
  python,
  ['-m', 'memory_r1_train.sample_timing', config.data, TEST_CHAT_GGUF_PATH, String(g), String(config.max_completion_tokens), String(threads)],
  {
    cwd: TRAIN_DIR,
    env: { ...process.env, PYTHONPATH: TRAIN_DIR },
    encoding: 'utf8',
  },
);
if (py.status !== 0) throw new Error(`sample_timing failed: ${py.stderr}`);
const hf = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { seconds: number; tokens: number };

const perPrompt = (s: number) => s / prompts.length;
const promptsPerStep = config.batch / g;
const stepSeconds = result.train_seconds / result.steps;
const gradientSeconds = stepSeconds - result.generate_seconds / result.steps;
const online = perPrompt(hf.seconds) * promptsPerStep + gradientSeconds;
const iterated = perPrompt(llamaSeconds) * promptsPerStep + gradientSeconds + result.export_seconds + loadSeconds;
console.log(
  `train-sampling: prompts=${prompts.length} G=${g} tokens<=${config.max_completion_tokens} node_llama_cpp_s=${llamaSeconds.toFixed(1)} (${llamaTokens} tok) ` +
    `transformers_generate_s=${hf.seconds.toFixed(1)} (${hf.tokens} tok) sampling_speedup=${(hf.seconds / llamaSeconds).toFixed(2)}x | ` +
    `per step of ${config.batch}: online_s=${online.toFixed(1)} iterated_s=${iterated.toFixed(1)} (gradient ${gradientSeconds.toFixed(1)} + export ${result.export_seconds.toFixed(1)} + reload ${loadSeconds.toFixed(1)}) ` +
    `iterated/online=${(iterated / online).toFixed(2)} run=${path.relative(REPO_ROOT, run)}`,
);
