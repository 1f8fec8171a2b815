/** An AWS API error of a service the local cloud serves; `code` is AWS's `__type`, e.g. `ExecutionAlreadyExists`. */
export class LocalServiceError extends Error {
  override readonly name = 'LocalServiceError';
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** The app cannot run on the local cloud; `problems` lists every reason found, one per entry. */
export class LocalCloudStartError extends Error {
  override readonly name = 'LocalCloudStartError';
  constructor(
    readonly problems: readonly string[],
    summary = 'The app cannot run on the local cloud',
  ) {
    super(`${summary}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * The `--persist` folder cannot be used: another local cloud holds it, it was written by an
 * incompatible version, or a file in it is damaged. Nothing in the folder is changed.
 */
export class LocalCloudPersistError extends Error {
  override readonly name = 'LocalCloudPersistError';
}
