import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** SendMessageBatch accepts at most ten entries per call. */
export const MAX_ENTRIES_PER_BATCH = 10;

/** The request entry of one message, without the per-call `Id`. */
export type BatchEntry = Omit<SendMessageBatchRequestEntry, 'Id'>;

/** The error each way a message can fail to go out; the caller's error class and wording. */
export interface BatchSendErrors<T> {
  /** SQS listed the entry under `Failed`. */
  refused(message: T, reason: BatchResultErrorEntry): Error;
  /** SQS listed the entry neither under `Successful` nor under `Failed`. */
  unreported(message: T): Error;
  /** The whole call failed; `detail` is `<error name>: <error message>`. */
  callFailed(message: T, detail: string): Error;
  /** FIFO: not sent because an earlier message of the batch failed. */
  heldBack(message: T): Error;
}

export interface SendInBatchesOptions<T> {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** FIFO queue: keep each message group's order (see {@link sendInBatches}). */
  readonly fifo: boolean;
  /** The stream record a message came from, the key of the returned failures. */
  readonly recordIdOf: (message: T) => string;
  /** The message group on a FIFO queue. */
  readonly groupOf: (message: T) => string;
  readonly toEntry: (message: T) => BatchEntry;
  readonly errors: BatchSendErrors<T>;
}

/**
 * Sends messages to one queue with SendMessageBatch and returns the failures by record id.
 *
 * Standard queue: every chunk of ten is sent, concurrently, and exactly the entries SQS refused fail.
 * FIFO queue: chunks go out one after another and no chunk holds two messages of one group, so a
 * refused message can never be overtaken by a later one of its group inside the same call; after a
 * chunk with a failure nothing more is sent, because the stream retries from the first failed record
 * anyway and sending later messages now would put them ahead of it.
 */
export async function sendInBatches<T>(
  messages: readonly T[],
  options: SendInBatchesOptions<T>,
): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const chunks = chunk(messages, options);
  if (!options.fifo) {
    await Promise.all(chunks.map((messagesOfChunk) => sendChunk(messagesOfChunk, options, failures)));
    return failures;
  }
  for (const [index, messagesOfChunk] of chunks.entries()) {
    await sendChunk(messagesOfChunk, options, failures);
    if (failures.size === 0) continue;
    for (const later of chunks.slice(index + 1).flat()) {
      failures.set(options.recordIdOf(later), options.errors.heldBack(later));
    }
    break;
  }
  return failures;
}

function chunk<T>(messages: readonly T[], options: SendInBatchesOptions<T>): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let groups = new Set<string>();
  for (const message of messages) {
    const group = options.groupOf(message);
    if (current.length === MAX_ENTRIES_PER_BATCH || (options.fifo && groups.has(group))) {
      chunks.push(current);
      current = [];
      groups = new Set();
    }
    current.push(message);
    groups.add(group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function sendChunk<T>(
  messages: readonly T[],
  options: SendInBatchesOptions<T>,
  failures: Map<string, Error>,
): Promise<void> {
  const entries = messages.map((message, index) => ({ Id: `e${index}`, ...options.toEntry(message) }));
  try {
    const response = await options.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
    );
    const sent = new Set((response.Successful ?? []).map((result) => result.Id));
    const refused = new Map((response.Failed ?? []).map((result) => [result.Id, result]));
    messages.forEach((message, index) => {
      const id = `e${index}`;
      if (sent.has(id)) return;
      const reason = refused.get(id);
      failures.set(
        options.recordIdOf(message),
        reason ? options.errors.refused(message, reason) : options.errors.unreported(message),
      );
    });
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const message of messages) {
      failures.set(options.recordIdOf(message), options.errors.callFailed(message, detail));
    }
  }
}
