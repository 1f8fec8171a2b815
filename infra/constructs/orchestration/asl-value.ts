/** A JSON value that may hold CDK tokens (function ARNs, the queue URL) until synthesis. */
export type AslValue = string | number | boolean | null | AslValue[] | { [key: string]: AslValue };
export type AslState = { [key: string]: AslValue };
