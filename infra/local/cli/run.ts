import { readFile } from 'node:fs/promises';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { followExecution } from './follow.js';
import { CliUsageError, resolveStateMachineArn } from './state-machines.js';
import { type ExecutionOutcome, TimelineRenderer } from './timeline.js';

export interface RunSagaOptions {
  /** Saga (state machine) name or ARN. */
  readonly saga: string;
  /** The execution input as JSON text. */
  readonly input: string;
  /** Execution name = saga id; a second start with the same name and input is a no-op. */
  readonly name?: string;
  readonly pollMs?: number;
}

export interface RunSagaResult {
  readonly executionArn: string;
  readonly outcome: ExecutionOutcome;
}

/** `--input` is inline JSON or `@path` to a JSON file. */
export async function readInputArgument(raw: string | undefined): Promise<string> {
  if (raw === undefined) return '{}';
  const text = raw.startsWith('@')
    ? await readFile(raw.slice(1), 'utf8').catch((error: Error) => {
        throw new CliUsageError(`Cannot read the --input file "${raw.slice(1)}": ${error.message}`);
      })
    : raw;
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`--input is not valid JSON (${(error as Error).message}): ${text.slice(0, 200)}`);
  }
  return text;
}

/** Starts an execution and prints its timeline live through `write`, one line per call. */
export async function runSaga(
  client: SFNClient,
  options: RunSagaOptions,
  write: (line: string) => void,
): Promise<RunSagaResult> {
  const stateMachineArn = await resolveStateMachineArn(client, options.saga);
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: options.input, name: options.name }),
  );
  const executionArn = started.executionArn;
  if (!executionArn) throw new Error(`StartExecution on ${stateMachineArn} returned no executionArn`);
  write(`execution ${executionArn}`);
  const renderer = new TimelineRenderer();
  await followExecution(
    client,
    executionArn,
    (event) => {
      for (const line of renderer.push(event)) write(line);
    },
    { pollMs: options.pollMs ?? 50 },
  );
  const outcome = renderer.outcome;
  if (!outcome) throw new Error(`Execution ${executionArn} ended without a terminal history event`);
  return { executionArn, outcome };
}
