export type { BarrierRecord, BarrierStatus } from './barrier.js';
export { BARRIER_ITEM_TYPE } from './barrier.js';
export {
  type AnswerCallbackOptions,
  answerCallback,
  type CallbackAnswer,
  type CallbackOutcome,
  heartbeatCallback,
} from './callback.js';
export { sharedDynamoDbClient } from './client.js';
export {
  DEFAULT_RETENTION_DAYS,
  ERROR_STACK_TRACES_ENV,
  LOG_PAYLOADS_ENV,
  MIN_RETENTION_DAYS,
  ParticipantConfigError,
  RETENTION_ENV,
  TABLE_NAME_ENV,
} from './config.js';
export type {
  PhaseContext,
  RecordedAction,
  StepContext,
  StepHandler,
  UndoContext,
  UndoHandler,
} from './context.js';
export * from './contract.js';
export { defineParticipant, type ParticipantHandler } from './define-participant.js';
export type { ParticipantDefinition, TccHandlers } from './definition.js';
export * from './errors.js';
export { canonicalJson, requestFingerprint } from './fingerprint.js';
export {
  BARRIER_PREFIX,
  barrierKey,
  OUTBOX_PREFIX,
  OUTBOX_SORT_KEY,
  outboxKey,
  PARTITION_KEY,
  SORT_KEY,
  type TableKey,
  TTL_ATTRIBUTE,
} from './keys.js';
export {
  MAX_EVENT_PAYLOAD_BYTES,
  MAX_ITEM_BYTES,
  MAX_RESULT_BYTES,
  MAX_TRANSACTION_BYTES,
  MAX_TRANSACTION_ITEMS,
} from './limits.js';
export type {
  ConditionCheckOperation,
  DeleteOperation,
  EmitOptions,
  Item,
  Key,
  PutOperation,
  UpdateOperation,
  WriteOptions,
} from './operations.js';
export { OUTBOX_ITEM_TYPE, type OutboxRecord } from './outbox.js';
export { MAX_ERROR_MESSAGE_CHARS } from './outgoing-error.js';
export * from './parked-decision.js';
export { DEFAULT_METRICS_NAMESPACE, MetricNames } from './telemetry.js';
