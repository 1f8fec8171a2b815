import { Token } from 'aws-cdk-lib';
import { decideStateName } from '../orchestration/park-state-names.js';
import { isChildStep, type SagaChildStep } from './saga-child-step.js';
import type { ResolvedStep } from './saga-plan.js';
import type { SagaStep } from './saga-props.js';
import {
  COMPENSATE_PREFIX,
  FORBIDDEN_NAME_CHARACTERS,
  MAX_STATE_NAME_LENGTH,
  StateNames,
} from './saga-state-names.js';
import { SagaValidationError } from './saga-validation.js';

/**
 * Steps that run at the same time (one Step Functions `Parallel` state), each with its own
 * participant, compensation and retry; results land under `$.results.<step>` as for any step.
 *
 * Either every step of the group is compensatable (the group comes before the pivot) or every step
 * is retriable (the group comes after it); a group never holds the pivot, because a point of no
 * return that runs beside steps which may still fail would have to be undone. When a branch of a
 * compensatable group fails, every branch is compensated, also one that was still running and
 * commits late (its barrier refuses an action that arrives after its compensation), then the steps
 * before the group in reverse order.
 */
export interface SagaParallelGroup {
  /** The `Parallel` state's name; failures of the group are recorded under `$.errors.<name>`. */
  readonly name: string;
  /** The steps to run at the same time; at least two. */
  readonly parallel: readonly SagaStep[];
}

/** One entry of a saga's `steps`: a step, a group of steps that run at the same time, or a child saga. */
export type SagaStepDeclaration = SagaStep | SagaParallelGroup | SagaChildStep;

/** A step as the plan sees it: groups are flattened into their steps, which remember their group. */
export type FlatSagaStep = (SagaStep | SagaChildStep) & { readonly group?: string };

/**
 * A step as the participant-step checks see it: a child step's "action" and "compensation" are
 * starting the child and its compensation saga.
 */
export function stepView(step: FlatSagaStep): SagaStep {
  if (!isChildStep(step)) return step;
  return {
    name: step.name,
    participant: undefined as never,
    action: 'startExecution',
    ...(step.compensationSaga ? { compensation: 'startExecution' } : {}),
    ...(step.kind ? { kind: step.kind } : {}),
  };
}

/** The steps that invoke a participant (not child sagas). */
export function participantSteps(steps: readonly FlatSagaStep[]): SagaStep[] {
  return steps.filter((s): s is SagaStep & { group?: string } => !isChildStep(s));
}

export function isParallelGroup(declaration: SagaStepDeclaration): declaration is SagaParallelGroup {
  return 'parallel' in declaration;
}

/** The steps of every declaration in order, group members in their declared order. */
export function flattenSteps(declarations: readonly SagaStepDeclaration[]): FlatSagaStep[] {
  return declarations.flatMap((d) =>
    isParallelGroup(d) ? d.parallel.map((step) => ({ ...step, group: d.name })) : [d],
  );
}

/** The state that runs `step`: its group's `Parallel`, or its own Task. */
export function entryStateName(step: { readonly name: string; readonly group?: string }): string {
  return step.group ?? step.name;
}

function fail(message: string): never {
  throw new SagaValidationError(message);
}

/**
 * Declaration checks of each group: its name follows the step-name rules (and is unique among all
 * step and group names), it holds at least two steps, and none of them declares itself the pivot.
 */
export function validateGroupDeclarations(
  sagaName: string,
  declarations: readonly SagaStepDeclaration[],
): void {
  const stepNames = new Set(flattenSteps(declarations).map((s) => s.name));
  const groupNames = new Set<string>();
  for (const declaration of declarations) {
    if (!isParallelGroup(declaration)) continue;
    const name = declaration.name;
    const where = `Saga "${sagaName}", parallel group ${JSON.stringify(name)}`;
    if (Token.isUnresolved(name) || typeof name !== 'string' || name.length === 0) {
      fail(
        `Saga "${sagaName}": a parallel group has no literal name. Give every group a fixed name, e.g. "BookTravel".`,
      );
    }
    const bad = name.match(FORBIDDEN_NAME_CHARACTERS);
    if (bad) {
      fail(
        `${where}: the name contains ${JSON.stringify(bad[0])}, which a state name cannot contain. Use letters, digits, '-' and '_'.`,
      );
    }
    if (stepNames.has(name) || groupNames.has(name)) {
      fail(
        `${where}: the name is used by a step or another group; state names must be unique. Rename the group.`,
      );
    }
    groupNames.add(name);
    if (
      (Object.values(StateNames) as string[]).includes(name) ||
      name.startsWith(COMPENSATE_PREFIX.trimEnd())
    ) {
      fail(`${where}: the name is reserved for a state the saga generates. Rename the group.`);
    }
    const longest = decideStateName(name);
    if (longest.length > MAX_STATE_NAME_LENGTH) {
      fail(
        `${where}: the state name ${JSON.stringify(longest)} is ${longest.length} characters long; Step Functions allows ${MAX_STATE_NAME_LENGTH}. Shorten the group name.`,
      );
    }
    if (!Array.isArray(declaration.parallel) || declaration.parallel.length < 2) {
      fail(
        `${where}: a parallel group needs at least two steps (got ${declaration.parallel?.length ?? 0}). Add steps to \`parallel\`, or declare a single step without a group.`,
      );
    }
    for (const step of declaration.parallel) {
      if ('parallel' in (step as object)) {
        fail(
          `${where}: step ${JSON.stringify((step as { name?: string }).name)} is itself a group; groups do not nest. List its steps in this group instead.`,
        );
      }
    }
  }
}

/**
 * Kind checks of each group, once kinds are decided: no pivot inside, and one kind for all steps
 * (compensatable before the pivot, retriable after it).
 */
export function validateGroupKinds(sagaName: string, steps: readonly ResolvedStep[]): void {
  const groups = new Map<string, ResolvedStep[]>();
  for (const step of steps) {
    if (step.group !== undefined) groups.set(step.group, [...(groups.get(step.group) ?? []), step]);
  }
  for (const [group, members] of groups) {
    const pivot = members.find((s) => s.kind === 'pivot');
    if (pivot) {
      const where = `Saga "${sagaName}", parallel group "${group}", step "${pivot.name}"`;
      fail(
        pivot.kindInferred
          ? `${where}: the step has no compensation and is the last step, so it would be the pivot, but a group cannot hold the pivot (its point of no return could commit while another branch fails). Add \`compensation\` to "${pivot.name}", or declare the pivot as its own step after the group.`
          : `${where}: a group cannot hold the pivot (its point of no return could commit while another branch fails). Declare the pivot as its own step after the group, or make "${pivot.name}" compensatable with a compensation.`,
      );
    }
    const kinds = new Set(members.map((s) => s.kind));
    if (kinds.size > 1) {
      const list = members.map((s) => `${s.name}: ${s.kind}`).join(', ');
      fail(
        `Saga "${sagaName}", parallel group "${group}": its steps mix kinds (${list}). A group before the pivot holds only compensatable steps, one after the pivot only retriable steps. Give every step of the group a compensation, or move the group after the pivot and remove the compensations.`,
      );
    }
  }
}
