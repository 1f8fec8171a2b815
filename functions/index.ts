/**
 * What a Lambda handler imports: participants (`defineParticipant`), TCC reservations, inbox
 * consumers, choreography participants, transactional-message producers and check-backs, and
 * notification helpers. Everything else under functions/ is internal and may change in any release.
 *
 * @module stepsaga/runtime
 */

export {
  type ChoreographyParticipantHandler,
  type ChoreographyParticipantOptions,
  defineChoreographyParticipant,
} from './choreography/consumer.js';
export type { ActionReaction, CompensationReaction, Reaction, Reactions } from './choreography/reactions.js';
export type { SagaOutcome, StepMark, TrackedEvent, TrackedEvents } from './choreography/tracked-events.js';
export {
  InboxConditionError,
  InboxLimitError,
  InboxMessageInvalidError,
  InboxTransientError,
} from './inbox/errors.js';
export {
  createInboxHandler,
  type InboxHandler,
  type InboxOptions,
  type InboxOutcome,
} from './inbox/handler.js';
export { type PublishNotificationOptions, publishNotification } from './notifier/publish.js';
export { type RedriveOptions, type RedriveResult, redriveDeadLetters } from './notifier/redrive.js';
export { verifyWebhookSignature, WebhookHeaders } from './notifier/signature.js';
export {
  getNotificationStatus,
  type NotificationState,
  type NotificationStatus,
} from './notifier/status-store.js';
export {
  type AnswerCallbackOptions,
  answerCallback,
  type CallbackAnswer,
  type CallbackOutcome,
  heartbeatCallback,
} from './runtime/callback.js';
export { sharedDynamoDbClient } from './runtime/client.js';
export { LOG_PAYLOADS_ENV, RETENTION_ENV, TABLE_NAME_ENV } from './runtime/config.js';
export type {
  PhaseContext,
  RecordedAction,
  StepContext,
  StepHandler,
  UndoContext,
  UndoHandler,
} from './runtime/context.js';
export type { ParkedSagaMessage, ParticipantRequest, Phase } from './runtime/contract.js';
export { defineParticipant, type ParticipantHandler } from './runtime/define-participant.js';
export type { ParticipantDefinition, TccHandlers } from './runtime/definition.js';
export {
  ActionRefusedError,
  BusinessError,
  type ErrorName,
  ErrorNames,
  InputInvalidError,
  InvalidRequestError,
  RequestMismatchError,
  ResultTooLargeError,
  SagaError,
  TransactionLimitError,
  TransientError,
} from './runtime/errors.js';
export type {
  ConditionCheckOperation,
  DeleteOperation,
  EmitOptions,
  Item,
  Key,
  PutOperation,
  UpdateOperation,
  WriteOptions,
} from './runtime/operations.js';
export type {
  SagaCompensatedMessage,
  SagaErrors,
  SagaOutcomeMessage,
  SagaOutcomeType,
  SagaParkedMessage,
  SagaSucceededMessage,
} from './runtime/saga-outcome-message.js';
export { StepsagaError } from './shared/stepsaga-error.js';
export { type HoldOptions, holdReservation, settleReservation } from './tcc/reservation.js';
export type {
  CheckBackRequest,
  CheckBackResponse,
  CheckBackStatus,
} from './transactional-message/check-back.js';
export {
  createTransactionalMessageClient,
  type MessageStatus,
  type PreparedMessage,
  type PrepareRequest,
  type TransactionalMessageClient,
  type TransactionalMessageClientOptions,
} from './transactional-message/client.js';
export {
  TransactionalMessageConfigError,
  TransactionalMessageIdConflictError,
  TransactionalMessageInvalidError,
  TransactionalMessageNotFoundError,
  TransactionalMessageSendError,
  TransactionalMessageStateError,
} from './transactional-message/errors.js';
