/**
 * npm run train: Memory-R1's learning loop on this project's agents. TypeScript builds the training data with the
 * project's own code (the Answer Agent's prompt from app/agent's builder, the LoCoMo split of app/eval), checks the
 * input, and hands a config to the Python trainer in train/ (TRL GRPO; its venv is created on first use from the
 * hash-locked train/requirements.txt). The trainer saves the checkpoint, the LoRA adapter and a JSONL log, and
 * exports a GGUF that the eval CLI and the app load.
 *
 *   npm run train -- --smoke
 *   npm run train -- --lora --reward f1 --questions 16 --steps 24 --out train/runs/answer-f1
 *   npm run train -- --policy manager --rollouts rollouts.jsonl --lora --steps 8
 *   npm run train -- --model Qwen/Qwen2.5-3B-Instruct --device cuda --group-size 8 --batch 32 --lora
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ANSWER_PROMPT_VERSION } from '../app/agent/answerAgent';
import { MEMORY_MANAGER_PROMPT_VERSION } from '../app/agent/memoryManager';
import { selectQuestions } from '../app/eval/evalQuestions';
import type { RolloutRow } from '../app/eval/grpo';
import { parseLocomo } from '../app/eval/locomo';
import { EVIDENCE_MEMORIES, evidencePrompt } from '../app/eval/pipelines/evidencePipeline';
import { EVAL_SPLITS, selectSplit } from '../app/eval/splits';
import type { ChatMessage } from '../app/llm/types';
import { TEST_CHAT_GGUF_PATH } from './test-models';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TRAIN_DIR = path.join(REPO_ROOT, 'train');
const VENV = path.join(TRAIN_DIR, '.venv');
export const DEFAULT_DATA = path.resolve(REPO_ROOT, '../shared/datasets/locomo/locomo-dev.json');

const OPTIONS = {
  data: { type: 'string' },
  model: { type: 'string' },
  split: { type: 'string', default: 'train' },
  policy: { type: 'string', default: 'answer' },
  rollouts: { type: 'string' },
  device: { type: 'string', default: 'cpu' },
  'group-size': { type: 'string', default: '4' },
  batch: { type: 'string', default: '8' },
  steps: { type: 'string', default: '12' },
  lr: { type: 'string' },
  lora: { type: 'boolean', default: false },
  'lora-rank': { type: 'string', default: '16' },
  reward: { type: 'string', default: 'em' },
  questions: { type: 'string', default: '16' },
  memories: { type: 'string', default: String(EVIDENCE_MEMORIES) },
  'max-completion-tokens': { type: 'string', default: '40' },
  temperature: { type: 'string', default: '1.0' },
  'max-minutes': { type: 'string' },
  'export-base': { type: 'boolean', default: false },
  export: { type: 'string', default: 'q8_0' },
  threads: { type: 'string' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string' },
  smoke: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const USAGE = `usage: npm run train -- [--smoke] [--policy answer|manager] [--data locomo.json] [--model file.gguf|hf-id|dir]
  [--device cpu|cuda] [--group-size 4] [--batch 8 (completions per step)] [--steps 12] [--lr 1e-5 (LoRA: 1e-4)]
  [--lora [--lora-rank 16]] [--reward em|f1] [--questions 16] [--memories 8] [--max-completion-tokens 40]
  [--temperature 1.0] [--max-minutes M (stop after the step that passes M minutes)] [--export q8_0|f16|none [--export-base]] [--threads N] [--seed 0] [--out train/runs/<name>]
  manager: --rollouts <file.jsonl> from npm run eval -- rollouts --policy manager`;

/** What the app's answer grammar forces before the model chooses anything: `{"memory_ids":[` (then ids or `]`). */
export const ANSWER_REPLY_PREFIX = '{"memory_ids":[';

export class TrainUsageError extends Error {}

function whole(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new TrainUsageError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export interface TrainConfig {
  policy: 'answer' | 'manager';
  model: string;
  device: 'cpu' | 'cuda';
  group_size: number;
  batch: number;
  steps: number;
  lr: number;
  lora_rank: number;
  reward: 'em' | 'f1';
  max_completion_tokens: number;
  /**
   * The start of the Answer Agent's reply that the app's JSON schema grammar forces (the schema's first key, as in
   * the prompt's own example): the trainer puts it after the prompt and samples the rest; '' for the manager.
   */
  reply_prefix: string;
  /** Sampling temperature of the G answers per prompt. */
  temperature: number;
  /** Stop after the first step that ends past this many minutes of training (null: run every step). */
  max_minutes: number | null;
  export: 'q8_0' | 'f16' | 'none';
  /** Also export the untrained model through the same path (base.<TYPE>.gguf): the "before" of a comparison. */
  export_base: boolean;
  threads: number | null;
  seed: number;
  out: string;
  data: string;
}

export interface TrainPlan {
  config: TrainConfig;
  smoke: boolean;
  dataFile: string;
  questions: number;
  memories: number;
  rollouts: string | undefined;
  split: string;
}

/** Flags → a checked plan. Every bad input stops here, before a venv is made or a model is loaded. */
export function planTraining(argv: string[], now = new Date()): TrainPlan {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  if (values.help) throw new TrainUsageError(USAGE);
  const smoke = values.smoke;
  if (values.policy !== 'answer' && values.policy !== 'manager') throw new TrainUsageError(`--policy must be answer or manager, got "${values.policy}"`);
  if (values.device !== 'cpu' && values.device !== 'cuda') throw new TrainUsageError(`--device must be cpu or cuda, got "${values.device}"`);
  if (values.reward !== 'em' && values.reward !== 'f1')
    throw new TrainUsageError(`--reward must be em (exact match, Memory-R1's) or f1 (token F1), got "${values.reward}"`);
  if (values.export !== 'q8_0' && values.export !== 'f16' && values.export !== 'none')
    throw new TrainUsageError(`--export must be q8_0, f16 or none, got "${values.export}"`);
  if (!(EVAL_SPLITS as readonly string[]).includes(values.split))
    throw new TrainUsageError(`unknown split "${values.split}": Memory-R1's split is train (conv-26), val (conv-30), test (the other eight)`);
  if (values.split !== 'train')
    throw new TrainUsageError(`--split ${values.split}: training uses the train split (conv-26) only; val and test are scored and never trained on`);

  const model = values.model ?? TEST_CHAT_GGUF_PATH;
  const looksLocal = model.endsWith('.gguf') || model.startsWith('.') || model.startsWith('/') || existsSync(model);
  if (looksLocal && !existsSync(model))
    throw new TrainUsageError(`--model ${model}: no such file or folder${model === TEST_CHAT_GGUF_PATH ? ' (run npm run models:fetch)' : ''}`);

  const groupSize = whole('group-size', smoke ? '4' : values['group-size'], 2);
  const batch = whole('batch', smoke ? '4' : values.batch);
  // The manager trains on rows of a rollout file (offline): its batch is rows, not groups sampled here.
  if (values.policy === 'answer' && batch % groupSize !== 0)
    throw new TrainUsageError(`--batch ${batch} must be a multiple of --group-size ${groupSize} (whole groups per step)`);
  const lora = smoke || values.lora;
  const lr = values.lr === undefined ? (lora ? 1e-4 : 1e-5) : Number(values.lr);
  if (!(lr > 0 && lr < 1)) throw new TrainUsageError(`--lr must be a number between 0 and 1, got "${values.lr}"`);
  const temperature = Number(values.temperature);
  if (!(temperature > 0 && temperature <= 2)) throw new TrainUsageError(`--temperature must be a number above 0 and at most 2, got "${values.temperature}"`);
  if (values['export-base'] && values.export === 'none') throw new TrainUsageError('--export-base needs an export type (q8_0 or f16), not --export none');

  let rollouts: string | undefined;
  if (values.policy === 'manager') {
    if (!values.rollouts)
      throw new TrainUsageError('--policy manager needs --rollouts <file.jsonl> (npm run eval -- rollouts --policy manager … --out file.jsonl)');
    if (!existsSync(values.rollouts)) throw new TrainUsageError(`--rollouts ${values.rollouts}: no such file`);
    rollouts = values.rollouts;
  }
  const dataFile = values.data ?? DEFAULT_DATA;
  if (values.policy === 'answer' && !existsSync(dataFile)) {
    throw new TrainUsageError(`--data ${dataFile}: no such file (the LoCoMo JSON, e.g. locomo10.json from github.com/snap-research/locomo)`);
  }

  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const out = path.resolve(values.out ?? path.join(TRAIN_DIR, 'runs', `${smoke ? 'smoke' : values.policy}-${stamp}`));
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new TrainUsageError(`--out ${out} exists and is not empty: choose a new folder (nothing is overwritten)`);

  return {
    smoke,
    dataFile,
    rollouts,
    split: values.split,
    questions: whole('questions', smoke ? '2' : values.questions),
    memories: whole('memories', values.memories),
    config: {
      policy: values.policy,
      model: looksLocal ? path.resolve(model) : model,
      device: values.device,
      group_size: groupSize,
      batch,
      steps: whole('steps', smoke ? '2' : values.steps),
      lr,
      lora_rank: lora ? whole('lora-rank', smoke ? '8' : values['lora-rank']) : 0,
      reward: smoke ? 'f1' : values.reward,
      max_completion_tokens: whole('max-completion-tokens', smoke ? '24' : values['max-completion-tokens']),
      reply_prefix: values.policy === 'answer' ? ANSWER_REPLY_PREFIX : '',
      temperature,
      max_minutes: values['max-minutes'] === undefined ? null : whole('max-minutes', values['max-minutes']),
      export: values.export,
      export_base: values['export-base'],
      threads: values.threads === undefined ? null : whole('threads', values.threads),
      seed: whole('seed', values.seed, 0),
      out,
      data: path.join(out, 'train.jsonl'),
    },
  };
}

export interface AnswerTrainingRow {
  prompt: ChatMessage[];
  ground_truth: string;
  sample_id: string;
  qa_index: number;
  category: number;
  evidence_shown: number;
  prompt_version: string;
}

/**
 * The Answer Agent's training prompts: conv-26 questions (scored categories), each over its evidence observations
 * plus distractors, built by the same function the eval's `evidence` pipeline scores with. Questions whose evidence
 * has no observation are left out: with nothing to find, every sample of the group earns 0 and teaches nothing.
 */
export function answerTrainingRows(locomoJson: unknown, questions: number, memories: number): AnswerTrainingRow[] {
  const conversations = selectSplit(parseLocomo(locomoJson), 'train');
  const byId = new Map(conversations.map((c) => [c.sampleId, c]));
  const rows: AnswerTrainingRow[] = [];
  for (const q of selectQuestions(conversations).questions) {
    if (rows.length >= questions) break;
    const prompt = evidencePrompt(byId.get(q.sampleId)!, q.question, q.evidence, memories);
    if (prompt.evidenceShown === 0) continue;
    rows.push({
      prompt: prompt.messages,
      ground_truth: q.gold,
      sample_id: q.sampleId,
      qa_index: q.index,
      category: q.category,
      evidence_shown: prompt.evidenceShown,
      prompt_version: ANSWER_PROMPT_VERSION,
    });
  }
  if (rows.length === 0) throw new TrainUsageError('no train question has evidence observations: is this a LoCoMo file with observations?');
  return rows;
}

/** The Memory Manager's rows of a rollout file; a file from another prompt version is refused, naming both. */
export function managerTrainingRows(jsonl: string, file: string): RolloutRow[] {
  const rows = jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as RolloutRow;
      } catch {
        throw new TrainUsageError(`${file}:${i + 1} is not JSON`);
      }
    })
    .filter((r) => r.ability === 'memory-manager');
  if (rows.length === 0) throw new TrainUsageError(`${file} has no memory-manager rows: collect them with npm run eval -- rollouts --policy manager`);
  const versions = [...new Set(rows.map((r) => r.extra_info?.prompt_version))];
  const other = versions.filter((v) => v !== MEMORY_MANAGER_PROMPT_VERSION);
  if (other.length > 0) {
    throw new TrainUsageError(
      `${file} was sampled with Memory Manager prompt version ${other.join(', ')}, but the app now builds ${MEMORY_MANAGER_PROMPT_VERSION}: training on it would teach replies to prompts the app no longer sends; collect the rollouts again`,
    );
  }
  return rows;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** train/.venv from the hash-locked requirements; re-made when the lock changes. Returns its python. */
export function ensureVenv(log: (line: string) => void = (l) => console.error(l)): string {
  const python = path.join(VENV, 'bin', 'python');
  const lock = path.join(TRAIN_DIR, 'requirements.txt');
  const stamp = path.join(VENV, 'requirements.sha256');
  const want = sha256(lock);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return python;
  log(`train: setting up ${path.relative(REPO_ROOT, VENV)} from train/requirements.txt (hash-locked; ~6 GB, a few minutes)…`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  };
  if (!existsSync(python)) run('python3', ['-m', 'venv', VENV]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', lock]);
  writeFileSync(stamp, `${want}\n`);
  return python;
}

export interface TrainOutcome {
  steps: number;
  rewards: number[];
  checkpoint: string;
  adapter: string | null;
  gguf: string | null;
  /** The untrained model through the same export (--export-base), else null. */
  base_gguf: string | null;
  load_seconds: number;
  train_seconds: number;
  generate_seconds: number;
  export_seconds: number;
}

/** Builds the data and the config file; returns the trainer's command. */
function prepareTraining(plan: TrainPlan): { python: string; args: string[]; options: SpawnOptions; resultFile: string } {
  const { config } = plan;
  mkdirSync(config.out, { recursive: true });
  let rows: unknown[];
  if (config.policy === 'answer') {
    const json: unknown = JSON.parse(readFileSync(plan.dataFile, 'utf8'));
    rows = answerTrainingRows(json, plan.questions, plan.memories);
  } else {
    rows = managerTrainingRows(readFileSync(plan.rollouts!, 'utf8'), plan.rollouts!);
  }
  writeFileSync(config.data, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const configFile = path.join(config.out, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.error(`train: ${rows.length} ${config.policy === 'answer' ? 'prompts' : 'rollout rows'} → ${path.relative(REPO_ROOT, config.data)}`);
  return {
    python: ensureVenv(),
    args: ['-m', 'memory_r1_train', configFile],
    options: {
      stdio: 'inherit',
      cwd: TRAIN_DIR,
      env: { ...process.env, PYTHONPATH: TRAIN_DIR, TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? '0' },
    },
    resultFile: path.join(config.out, 'result.json'),
  };
}

function trainerFailed(plan: TrainPlan, status: number | string | null): Error {
  return new Error(`the trainer failed (exit ${status}); its log: ${path.join(plan.config.out, 'train-log.jsonl')}`);
}

/** Builds the data, runs the trainer, returns its result.json. */
export function runTraining(plan: TrainPlan): TrainOutcome {
  const { python, args, options, resultFile } = prepareTraining(plan);
  const r = spawnSync(python, args, options);
  if (r.status !== 0) throw trainerFailed(plan, r.status ?? r.signal);
  return JSON.parse(readFileSync(resultFile, 'utf8')) as TrainOutcome;
}

/** runTraining without blocking: a caller can score the base GGUF (--export-base) while the trainer runs. */
export async function runTrainingAsync(plan: TrainPlan): Promise<TrainOutcome> {
  const { python, args, options, resultFile } = prepareTraining(plan);
  const child = spawn(python, args, options);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  if (code !== 0) throw trainerFailed(plan, code ?? signal);
  return JSON.parse(readFileSync(resultFile, 'utf8')) as TrainOutcome;
}

async function main(): Promise<void> {
  let plan: TrainPlan;
  try {
    plan = planTraining(process.argv.slice(2));
  } catch (error) {
    if (
      error instanceof TrainUsageError ||
      (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  let outcome: TrainOutcome;
  try {
    outcome = runTraining(plan);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof TrainUsageError ? 2 : 1);
  }
  const rel = (p: string | null) => (p ? path.relative(REPO_ROOT, p) : 'none');
  if (plan.smoke) console.log(`train smoke: steps=${outcome.steps} gguf=${rel(outcome.gguf)}`);
  else {
    const first = outcome.rewards[0] ?? 0;
    const last = outcome.rewards.at(-1) ?? 0;
    console.log(
      `train: steps=${outcome.steps} reward_first=${first.toFixed(3)} reward_last=${last.toFixed(3)} gguf=${rel(outcome.gguf)} adapter=${rel(outcome.adapter)} log=${rel(path.join(plan.config.out, 'train-log.jsonl'))}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
