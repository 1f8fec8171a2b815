/** Names of the states a `Saga` generates beside its steps; they read well in the console graph. */
export const StateNames = {
  validateInput: 'Validate input',
  succeeded: 'SagaSucceeded',
  compensated: 'SagaCompensated',
  parked: 'SagaParked',
  inputInvalid: 'SagaInputInvalid',
  /** After the first step refused the input (not an object, or over its budget): the error as `$.errors`. */
  recordInputRefusal: 'Record input refusal',
  /** Terminal `SagaInputInvalid` of an input the first step refused; its cause lists the error. */
  inputRefused: 'Input refused',
} as const;

/**
 * The Task that publishes an outcome before the terminal state of the same name; only with the
 * `outcomes` option. The space keeps them apart from step names, which cannot contain one.
 */
export const OutcomeStateNames = {
  succeeded: `Publish ${StateNames.succeeded}`,
  compensated: `Publish ${StateNames.compensated}`,
  parked: `Publish ${StateNames.parked}`,
  /** Published as a `SagaCompensated` outcome: nothing of the saga is left committed. */
  inputRefused: 'Publish input refusal',
} as const;

export const COMPENSATE_PREFIX = 'Compensate ';

export function compensationStateName(stepName: string): string {
  return `${COMPENSATE_PREFIX}${stepName}`;
}

/** Step Functions' limit on state names. */
export const MAX_STATE_NAME_LENGTH = 80;

/**
 * Characters Step Functions refuses in names, plus `'`, which would end the bracket notation
 * (`$.errors['Compensate X']`) the generated paths use for names that are not plain identifiers.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
export const FORBIDDEN_NAME_CHARACTERS = /[\s\u0000-\u001f\u007f-\u009f<>{}[\]?*"#%\\^|~`$&,;:/']/u;

const SHORTHAND_MEMBER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A JSONPath member access: dot notation for identifiers, bracket notation for anything else. */
export function member(name: string): string {
  return SHORTHAND_MEMBER.test(name) ? `.${name}` : `['${name}']`;
}
