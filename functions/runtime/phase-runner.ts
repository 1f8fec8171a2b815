import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type BarrierRecord,
  type BarrierRequest,
  type BarrierScope,
  barrierItem,
  parseBarrier,
  putBarrierIfAbsent,
  requireAbsent,
  requireCommitted,
} from './barrier.js';
import type { PhaseContext, StepContext, StepHandler, UndoContext, UndoHandler } from './context.js';
import {
  EXCLUSIVE_PHASE,
  type ParticipantRequest,
  type Phase,
  REQUIRES_PHASE,
  UNDO_PHASE,
} from './contract.js';
import { classifyTransactionError, mapSdkError, type TransactionRole } from './error-mapping.js';
import {
  ActionRefusedError,
  BusinessError,
  InvalidRequestError,
  RequestMismatchError,
  TransientError,
} from './errors.js';
import { requestFingerprint } from './fingerprint.js';
import { keptResult } from './kept-result.js';
import { barrierKey, itemIdentity, outboxKey } from './keys.js';
import { checkResultSize, checkTransactionLimits, type OperationLabel } from './limits.js';
import type { Item, Key } from './operations.js';
import { outboxItem } from './outbox.js';
import { WriteStage } from './staging.js';
import { MetricNames, type Telemetry } from './telemetry.js';

export interface RunnerSettings {
  readonly participant: string;
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly retentionDays: number;
  readonly keyAttributes: Readonly<Record<string, readonly string[]>>;
  readonly logPayloads: boolean;
  readonly telemetry: Telemetry;
}

export interface Invocation<I> {
  readonly request: ParticipantRequest;
  /**
   * The saga input parsed by the participant's schema; throws when it does not match. Read only
   * when a handler runs: an empty undo needs no input, so an input the action already refused
   * cannot keep its compensation from completing.
   */
  readonly input: () => I;
  /** Parses the saga input an action's barrier recorded, for the compensation that undoes it. */
  readonly recordedInput: (raw: unknown) => I;
}

/** Phases whose barrier keeps the request input: an undo phase reverses them from the record. */
const UNDONE_PHASES: ReadonlySet<Phase> = new Set(Object.values(UNDO_PHASE));

/**
 * Runs one phase of one step under the barrier (docs/architecture.md, "Barrier algorithm").
 * A runner lives for one invocation.
 */
export class PhaseRunner<I> {
  private readonly scope: BarrierScope;
  private readonly what: string;
  private readonly recorded: BarrierRequest;

  constructor(
    private readonly settings: RunnerSettings,
    private readonly invocation: Invocation<I>,
  ) {
    const { request } = invocation;
    this.scope = { sagaId: request.sagaId, sagaName: request.sagaName, step: request.step };
    this.what = `${settings.participant}.${request.action} (${request.phase} of step ${request.step}, saga ${request.sagaId})`;
    this.recorded = {
      action: request.action,
      fingerprint: requestFingerprint(request.input),
      ...(UNDONE_PHASES.has(request.phase) ? { inputJson: JSON.stringify(request.input ?? null) } : {}),
    };
  }

  private get phase(): Phase {
    return this.invocation.request.phase;
  }

  private get log() {
    return this.settings.telemetry.logger;
  }

  /** Action, try or confirm: run the handler, then commit its writes with the barrier in one transaction. */
  async forward(handler: StepHandler<I>): Promise<unknown> {
    const stage = this.newStage();
    let returned: unknown;
    try {
      returned = await handler({
        ...this.context(stage),
        action: this.invocation.request.action,
      } satisfies StepContext<I>);
    } catch (error) {
      if (error instanceof BusinessError) {
        // A redelivery whose first delivery consumed the resource sees the business rule fail;
        // the barrier tells whether this phase in fact already ran.
        const existing = await this.readBarrier(this.phase);
        if (existing) return this.answerFromForwardBarrier(existing);
      }
      throw error;
    } finally {
      stage.seal();
    }
    const resultJson = this.serializeResult(returned);
    const now = new Date();
    const items: TransactWriteItem[] = [];
    const roles: TransactionRole[] = [];
    items.push(
      putBarrierIfAbsent(
        this.settings.table,
        barrierItem(
          this.scope,
          this.phase,
          this.recorded,
          'committed',
          resultJson,
          now,
          this.settings.retentionDays,
        ),
      ),
    );
    roles.push({ kind: 'barrier', phase: this.phase });
    const required = REQUIRES_PHASE[this.phase];
    if (required) {
      // The same input as the phase it requires: a confirm settles what its try reserved.
      items.push(requireCommitted(this.settings.table, this.scope, required, this.recorded.fingerprint));
      roles.push({ kind: 'required', phase: required });
    }
    this.excludeRival(items, roles);
    this.appendStage(stage, now, items, roles);

    const failure = await this.commit(items, roles);
    if (failure === undefined) {
      this.settings.telemetry.count(MetricNames.commits);
      this.log.info('Phase committed', this.commitDetails(stage, resultJson));
      return this.kept(JSON.parse(resultJson));
    }
    const existing = failure.existingKnown ? failure.existing : await this.readBarrier(failure.role.phase);
    if (failure.role.kind === 'excluded') throw this.refusedByRival(failure.role.phase);
    if (failure.role.kind === 'required') {
      if (existing?.status === 'committed') throw this.mismatch(existing);
      this.settings.telemetry.count(MetricNames.refused);
      this.log.warn('Phase refused: its required phase has not committed', {
        required: failure.role.phase,
        status: existing?.status ?? 'absent',
      });
      throw new ActionRefusedError(
        `${this.what} is refused: it requires the ${failure.role.phase} phase of step ${this.scope.step} to have ` +
          `committed, but that phase is ${existing ? `"${existing.status}"` : 'absent'}.`,
      );
    }
    if (!existing) {
      throw new TransientError(
        `${this.what}: the barrier condition failed but no barrier was found; retrying is safe.`,
      );
    }
    return this.answerFromForwardBarrier(existing);
  }

  /** Compensation or cancel: empty if the forward phase never ran, otherwise undo it exactly once. */
  async undo(handler: UndoHandler<I>): Promise<unknown> {
    const forwardPhase = UNDO_PHASE[this.phase];
    if (!forwardPhase) throw new Error(`${this.phase} is not an undo phase`);
    // One re-entry: a lost race means another delivery just wrote a barrier, and the second
    // decision sees it. Losing twice would need a third writer, so retrying the step is the answer.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const barriers = await this.readBarriers([forwardPhase, this.phase]);
      const forward = barriers.get(forwardPhase);
      const recorded = barriers.get(this.phase);
      if (recorded) {
        this.settings.telemetry.count(MetricNames.duplicates);
        this.log.info('Duplicate delivery: returning the recorded result', { status: recorded.status });
        return JSON.parse(recorded.result);
      }
      const now = new Date();
      if (forward?.status !== 'committed') {
        const items: TransactWriteItem[] = [
          putBarrierIfAbsent(this.settings.table, this.barrier('empty', 'null', now)),
        ];
        const roles: TransactionRole[] = [{ kind: 'barrier', phase: this.phase }];
        if (!forward) {
          items.push(
            putBarrierIfAbsent(
              this.settings.table,
              barrierItem(
                this.scope,
                forwardPhase,
                this.recorded,
                'blocked',
                'null',
                now,
                this.settings.retentionDays,
              ),
            ),
          );
          roles.push({ kind: 'barrier', phase: forwardPhase });
        }
        const failure = await this.commit(items, roles);
        if (failure === undefined) {
          this.settings.telemetry.count(MetricNames.emptyUndos);
          this.log.info(
            `Empty ${this.phase}: the ${forwardPhase} never ran; recorded it and blocked a late ${forwardPhase}`,
          );
          return null;
        }
        continue;
      }

      const stage = this.newStage();
      let returned: unknown;
      try {
        // The barrier read above already holds the action's record, so undoing from it costs nothing.
        returned = await handler({
          ...this.context(stage),
          action: {
            name: forward.action,
            input: this.recordedInput(forward),
            result: JSON.parse(forward.result),
            committedAt: forward.committedAt,
          },
        } satisfies UndoContext<I>);
      } finally {
        stage.seal();
      }
      const resultJson = this.serializeResult(returned);
      const items: TransactWriteItem[] = [
        putBarrierIfAbsent(this.settings.table, this.barrier('committed', resultJson, now)),
        requireCommitted(this.settings.table, this.scope, forwardPhase),
      ];
      const roles: TransactionRole[] = [
        { kind: 'barrier', phase: this.phase },
        { kind: 'required', phase: forwardPhase },
      ];
      this.excludeRival(items, roles);
      this.appendStage(stage, now, items, roles);
      const failure = await this.commit(items, roles);
      if (failure === undefined) {
        this.settings.telemetry.count(MetricNames.commits);
        this.log.info('Phase committed', this.commitDetails(stage, resultJson));
        return JSON.parse(resultJson);
      }
      if (failure.kind === 'barrier' && failure.role.kind === 'excluded') {
        throw this.refusedByRival(failure.role.phase);
      }
    }
    throw new TransientError(
      `${this.what} lost the barrier race twice to concurrent deliveries; retrying is safe.`,
    );
  }

  /** Adds the check that this phase's rival (confirm vs cancel) has not been recorded. */
  private excludeRival(items: TransactWriteItem[], roles: TransactionRole[]): void {
    const rival = EXCLUSIVE_PHASE[this.phase];
    if (!rival) return;
    items.push(requireAbsent(this.settings.table, this.scope, rival));
    roles.push({ kind: 'excluded', phase: rival });
  }

  private refusedByRival(rival: Phase): ActionRefusedError {
    this.settings.telemetry.count(MetricNames.refused);
    this.log.warn(`Phase refused: the ${rival} of this step already committed`, { rival });
    return new ActionRefusedError(
      `${this.what} is refused: the ${rival} of step ${this.scope.step} already committed, and a ` +
        `transaction is either confirmed or cancelled, never both.`,
    );
  }

  private answerFromForwardBarrier(existing: BarrierRecord): unknown {
    if (existing.status === 'committed') {
      if (!this.sameRequest(existing)) throw this.mismatch(existing);
      this.settings.telemetry.count(MetricNames.duplicates);
      this.log.info('Duplicate delivery: returning the recorded result');
      return this.kept(JSON.parse(existing.result));
    }
    this.settings.telemetry.count(MetricNames.refused);
    this.log.warn('Late phase refused: its compensation or cancel already ran', { status: existing.status });
    throw new ActionRefusedError(
      `${this.what} is refused: its ${this.phase === 'try' ? 'cancel' : 'compensation'} already ran ` +
        `(barrier status "${existing.status}"), so applying it now would leave an effect nothing undoes.`,
    );
  }

  /** Whether a committed barrier of this phase was written by a request like this one. */
  private sameRequest(existing: BarrierRecord): boolean {
    return existing.action === this.recorded.action && existing.fingerprint === this.recorded.fingerprint;
  }

  /** The refusal of a request whose phase committed from another request (or whose try did, for a confirm). */
  private mismatch(existing: BarrierRecord): RequestMismatchError {
    this.settings.telemetry.count(MetricNames.refused);
    this.log.warn('Phase refused: it committed from a request with another input', {
      recordedPhase: existing.phase,
      recordedAction: existing.action,
    });
    if (existing.phase !== this.phase) {
      return new RequestMismatchError(
        `${this.what} is refused: the ${existing.phase} it settles ran with another input ` +
          `(${existing.fingerprint ?? 'unrecorded'}; this request: ${this.recorded.fingerprint}), and a ` +
          `${this.phase} settles what its ${existing.phase} reserved. Send the input the ${existing.phase} ran with.`,
      );
    }
    return new RequestMismatchError(
      `${this.what} is refused: the ${existing.phase} of step ${this.scope.step} in saga ${this.scope.sagaName} ` +
        `already committed from another request (action "${existing.action}", input ${existing.fingerprint ?? 'unrecorded'}; ` +
        `this request: action "${this.recorded.action}", input ${this.recorded.fingerprint}). Its result belongs to ` +
        'that request, and applying this one as well would do the step twice. Send the input the step first ran ' +
        'with, or start a new saga instance.',
    );
  }

  /** The input the forward phase ran with, from its barrier. */
  private recordedInput(forward: BarrierRecord): I {
    if (forward.input === undefined) {
      throw new InvalidRequestError(
        `${this.what}: the ${forward.phase} barrier of step ${this.scope.step} records no input, so there is ` +
          'nothing to undo from. It was written by something other than the participant runtime.',
      );
    }
    return this.invocation.recordedInput(JSON.parse(forward.input));
  }

  private barrier(status: 'committed' | 'empty', resultJson: string, now: Date) {
    return barrierItem(
      this.scope,
      this.phase,
      this.recorded,
      status,
      resultJson,
      now,
      this.settings.retentionDays,
    );
  }

  private newStage(): WriteStage {
    return new WriteStage(this.settings.table, this.settings.keyAttributes, () => new Date());
  }

  private appendStage(
    stage: WriteStage,
    now: Date,
    items: TransactWriteItem[],
    roles: TransactionRole[],
  ): void {
    for (const write of stage.writes) {
      items.push(write.item);
      roles.push({ kind: 'write', write });
    }
    for (const event of stage.events) {
      items.push({
        Put: {
          TableName: this.settings.table,
          Item: outboxItem(this.scope, event, now, this.settings.retentionDays),
        },
      });
      roles.push({ kind: 'outbox', eventType: event.eventType });
    }
  }

  /** Sends the transaction; resolves undefined on success or to the barrier failure to handle. */
  private async commit(items: TransactWriteItem[], roles: TransactionRole[]) {
    checkTransactionLimits(
      items,
      roles.map((role, index) => this.label(role, items[index])),
      this.what,
    );
    try {
      await this.settings.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      const failure = classifyTransactionError(error, roles);
      if (failure.kind === 'error') {
        this.log.warn('Transaction failed', { error: failure.error });
        throw failure.error;
      }
      return failure;
    }
  }

  private label(role: TransactionRole, item: TransactWriteItem | undefined): OperationLabel {
    switch (role.kind) {
      case 'write':
        return { description: role.write.description, identity: role.write.identity };
      case 'outbox': {
        const eventId = item?.Put?.Item?.eventId?.S ?? '';
        return {
          description: `outbox event ${role.eventType}`,
          identity: itemIdentity(this.settings.table, outboxKey(eventId)),
        };
      }
      default: {
        const key = barrierKey(this.scope.sagaName, this.scope.sagaId, this.scope.step, role.phase);
        return {
          description: `the ${role.phase} barrier ${JSON.stringify(key)}`,
          identity: itemIdentity(this.settings.table, key),
        };
      }
    }
  }

  private serializeResult(value: unknown): string {
    const json = JSON.stringify(value ?? null);
    if (json === undefined)
      throw new TypeError(`${this.what} returned a value that is not JSON-serializable`);
    // Only the kept part enters the saga state, so only it is held to the step's share.
    const { keep } = this.invocation.request;
    checkResultSize(
      this.what,
      keep === undefined ? json : JSON.stringify(keptResult(value ?? null, keep)),
      this.invocation.request,
    );
    return json;
  }

  /** What the state machine gets back: the whole result, or the fields the step keeps. */
  private kept(result: unknown): unknown {
    return keptResult(result, this.invocation.request.keep);
  }

  private commitDetails(stage: WriteStage, resultJson: string): Record<string, unknown> {
    return {
      writes: stage.writes.length,
      events: stage.events.map((event) => ({ eventId: event.eventId, eventType: event.eventType })),
      ...(this.settings.logPayloads
        ? { result: JSON.parse(resultJson), payloads: stage.events.map((event) => JSON.parse(event.payload)) }
        : {}),
    };
  }

  private context(stage: WriteStage): PhaseContext<I> {
    const { request } = this.invocation;
    const input = this.invocation.input();
    const get = async (tableOrKey: string | Key, maybeKey?: Key): Promise<Item | undefined> => {
      const [table, key] =
        typeof tableOrKey === 'string' ? [tableOrKey, maybeKey ?? {}] : [this.settings.table, tableOrKey];
      try {
        const output = await this.settings.client.send(
          new GetItemCommand({ TableName: table, Key: marshall(key), ConsistentRead: true }),
        );
        return output.Item ? (unmarshall(output.Item) as Item) : undefined;
      } catch (error) {
        throw error instanceof Error ? mapSdkError(error) : error;
      }
    };
    return {
      request,
      input,
      results: request.results,
      sagaId: request.sagaId,
      sagaName: request.sagaName,
      step: request.step,
      phase: request.phase,
      tableName: this.settings.table,
      logger: this.settings.telemetry.logger,
      get: get as PhaseContext<I>['get'],
      put: (op) => stage.put(op),
      update: (op) => stage.update(op),
      delete: (op) => stage.delete(op),
      conditionCheck: (op) => stage.conditionCheck(op),
      emit: (eventType, payload, options) => stage.emit(eventType, payload, options),
    };
  }

  private async readBarrier(phase: Phase): Promise<BarrierRecord | undefined> {
    return (await this.readBarriers([phase])).get(phase);
  }

  /** Consistent reads of this step's barriers in one request. */
  private async readBarriers(phases: readonly Phase[]): Promise<Map<Phase, BarrierRecord>> {
    const found = new Map<Phase, BarrierRecord>();
    let keys = phases.map((phase) =>
      marshall(barrierKey(this.scope.sagaName, this.scope.sagaId, this.scope.step, phase)),
    );
    for (let round = 0; round < 4 && keys.length > 0; round += 1) {
      let output: BatchGetItemCommandOutput;
      try {
        output = await this.settings.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.settings.table]: { Keys: keys, ConsistentRead: true } },
          }),
        );
      } catch (error) {
        throw error instanceof Error ? mapSdkError(error) : error;
      }
      for (const item of output.Responses?.[this.settings.table] ?? []) {
        const record = parseBarrier(item);
        if (record) found.set(record.phase, record);
      }
      keys = output.UnprocessedKeys?.[this.settings.table]?.Keys ?? [];
    }
    if (keys.length > 0) {
      throw new TransientError(`${this.what}: DynamoDB left barrier reads unprocessed; retrying is safe.`);
    }
    return found;
  }
}
