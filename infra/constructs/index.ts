/**
 * The constructs a CDK app declares (`Saga`, `Participant`, `TccTransaction`, `OutboxRelay`,
 * `NotificationChannel`, `TransactionalMessage`, `Choreography`, ...), their props and the types
 * those props mention. Everything else under infra/constructs is internal and may change in any
 * release.
 *
 * @module stepsaga
 */

export type {
  SagaCompensatedMessage,
  SagaErrors,
  SagaOutcomeMessage,
  SagaOutcomeType,
  SagaParkedMessage,
  SagaSucceededMessage,
} from '../../functions/runtime/saga-outcome-message.js';
export { Choreography } from './choreography/choreography.js';
export type {
  ChoreographyEvent,
  ChoreographyMember,
  ChoreographyParticipant,
  ChoreographyProps,
} from './choreography/choreography-props.js';
export { billedTransitions, type HistoryEventLike } from './cost/billed-transitions.js';
export { type HappyPathWithChildren, happyPathWithChildren } from './cost/child-saga-cost.js';
export { formatSagaCost } from './cost/cost-report-text.js';
export { DEFAULT_PRICES, type ListPrice, type PriceList } from './cost/prices-us-east-1.2026-12.js';
export {
  type ChildSagaOfStep,
  type CostAssumptions,
  DEFAULT_COST_ASSUMPTIONS,
  estimateSagaCost,
  type PathCost,
  type PathName,
  type SagaCostReport,
  type StepWriteUnits,
  type UsdBreakdown,
} from './cost/saga-cost-model.js';
export type {
  ParticipantCostPlan,
  SagaCostPlan,
  StateSizePlan,
  StepCostPlan,
} from './cost/saga-cost-plan.js';
export { SagaDashboard } from './dashboard/saga-dashboard.js';
export type { SagaDashboardProps } from './dashboard/saga-dashboard-props.js';
export { NotificationChannel } from './notification-channel/notification-channel.js';
export type { NotificationChannelProps } from './notification-channel/notification-channel-props.js';
export { NotificationTarget, type WebhookTargetOptions } from './notification-channel/notification-target.js';
export { OutboxRelay } from './outbox-relay/outbox-relay.js';
export type { OutboxRelayProps } from './outbox-relay/outbox-relay-props.js';
export { Participant } from './participant/participant.js';
export type { ParticipantProps } from './participant/participant-props.js';
export type { IParticipant, ParticipantOperations, ParticipantRef } from './participant/participant-ref.js';
export { Saga } from './saga/saga.js';
export type { SagaStepCallback } from './saga/saga-callback-step.js';
export type { ChildSagaRef, SagaChildStep } from './saga/saga-child-step.js';
export type { SagaOutcomes } from './saga/saga-outcomes.js';
export type { SagaParallelGroup, SagaStepDeclaration } from './saga/saga-parallel-group.js';
export type {
  SagaInputField,
  SagaInputFieldType,
  SagaInputSchema,
  SagaLogLevel,
  SagaProps,
  SagaStep,
  SagaStepKind,
  SagaType,
  StepRetry,
} from './saga/saga-props.js';
export { SagaValidationError } from './saga/saga-validation.js';
export {
  type BundledFunction,
  type BundledFunctionOptions,
  createBundledFunction,
} from './shared/bundled-function.js';
export { acknowledgeNoAsyncInvoke, acknowledgeSqsMappings } from './shared/inherent-findings.js';
export { StepsagaValidationError } from './shared/validation-error.js';
export { ReservationSweeper } from './tcc/reservation-sweeper.js';
export type { ReservationSweeperProps, SweptParticipant } from './tcc/reservation-sweeper-props.js';
export type { TccParticipant, TccTransactionProps } from './tcc/tcc-props.js';
export { TccTransaction } from './tcc/tcc-transaction.js';
export { CheckBack } from './transactional-message/check-back.js';
export { TransactionalMessage } from './transactional-message/transactional-message.js';
export type { TransactionalMessageProps } from './transactional-message/transactional-message-props.js';
