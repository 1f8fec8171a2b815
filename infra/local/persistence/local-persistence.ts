import { ExecutionJournal, type RestoredExecution } from './execution-journal.js';
import { openPersistDir, type PersistDir } from './persist-dir.js';
import { sqsEmulatorPersistence } from './sqs-persistence.js';
import { StreamCheckpoints } from './stream-checkpoints.js';

/**
 * Everything a local cloud started with `persist` keeps in its folder: DynamoDB Local's database,
 * the SQS emulator's, the Step Functions execution journal and the stream checkpoints.
 */
export interface LocalPersistence {
  readonly dir: PersistDir;
  readonly executions: ExecutionJournal;
  /** The executions found in the folder, to restore once the state machines are registered. */
  readonly restored: readonly RestoredExecution[];
  readonly checkpoints: StreamCheckpoints;
  /** Options for the SQS emulator: its folder, and the port its stored queue URLs were moved to. */
  sqsEmulatorOptions(): Promise<{ port: number; dataDir: string }>;
  /** Stops recording: what a stopping cloud does to its running executions must not be kept. */
  detach(): void;
  /** Unlocks the folder (after the engines have stopped writing to it). */
  release(): void;
}

export async function openLocalPersistence(folder: string): Promise<LocalPersistence> {
  const dir = await openPersistDir(folder);
  try {
    const { journal: executions, restored } = ExecutionJournal.open(dir.executionsJournal);
    const checkpoints = StreamCheckpoints.open(dir.streamsJournal);
    return {
      dir,
      executions,
      restored,
      checkpoints,
      sqsEmulatorOptions: () => sqsEmulatorPersistence(dir.sqsDir),
      detach() {
        executions.close();
        checkpoints.close();
      },
      release: () => dir.release(),
    };
  } catch (error) {
    dir.release();
    throw error;
  }
}
