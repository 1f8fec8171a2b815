import type { AslState, AslValue } from '../orchestration/asl-value.js';
import type { ResolvedStep } from './saga-plan.js';
import { member } from './saga-state-names.js';

export interface ParallelGroupStateOptions {
  readonly group: string;
  /** The group's steps in declared order; their forward Tasks, as built for a plain step. */
  readonly members: readonly ResolvedStep[];
  readonly memberStates: readonly AslState[];
  /** Steps whose results are in `$.results` when the group starts (every step before it). */
  readonly resultsBefore: readonly string[];
  readonly catchers: readonly AslValue[];
  readonly next: string;
}

/**
 * The `Parallel` state of a group. Each branch is the member's own Task (its Retry and timeout
 * unchanged, its Catch moved to the group: a branch cannot jump out of the `Parallel`) ending with
 * the results it knows. The branches' outputs are an array, so `ResultSelector` picks each result
 * back under its own step name, next to the earlier steps' results (known at synth), and
 * `ResultPath` puts them all at `$.results`: the state after the group sees the same `$.results`
 * shape as after plain steps, and no Pass state is spent on merging.
 */
export function parallelGroupState(options: ParallelGroupStateOptions): AslState {
  const branches = options.members.map((step, i) => {
    const task = { ...options.memberStates[i]! };
    delete task['Catch'];
    delete task['Next'];
    return {
      StartAt: step.name,
      States: { [step.name]: { ...task, OutputPath: '$.results', End: true } },
    };
  });
  const selector: AslState = {};
  for (const name of options.resultsBefore) selector[`${name}.$`] = `$[0]${member(name)}`;
  options.members.forEach((step, i) => {
    selector[`${step.name}.$`] = `$[${i}]${member(step.name)}`;
  });
  return {
    Type: 'Parallel',
    Comment: `${options.members[0]!.kind} group: ${options.members.map((s) => s.name).join(' | ')} at the same time`,
    Branches: branches,
    ResultSelector: selector,
    ResultPath: '$.results',
    Catch: [...options.catchers],
    Next: options.next,
  };
}
