import type { IConstruct } from 'constructs';

/**
 * What every stepsaga construct throws when its props or its surroundings cannot work: the message
 * says what is wrong, shows the value and says how to fix it; `constructPath` names the construct,
 * as CDK's own validation errors do.
 */
export class StepsagaValidationError extends Error {
  override readonly name: string = 'StepsagaValidationError';
  /** The path of the construct that refused, when it was known where the check ran. */
  readonly constructPath: string | undefined;

  constructor(message: string, scope?: IConstruct, options?: ErrorOptions) {
    super(scope ? `${message}\n  (at construct ${scope.node.path})` : message, options);
    this.constructPath = scope?.node.path;
  }
}
