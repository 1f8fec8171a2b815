/**
 * List prices the saga cost report uses: US East (N. Virginia), on-demand, first pricing tier, no
 * free tier, as read in December 2026. One file so that a price change is one reviewed edit; a new
 * price list is a new dated file, and the report prints the date it used.
 *
 * A TypeScript module rather than JSON so that it ships with the compiled package unchanged.
 */

export interface ListPrice {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** Where the figure was read. */
  readonly source: string;
  /** What is uncertain about it, if anything. */
  readonly note?: string;
}

export interface PriceList {
  readonly region: string;
  /** When the prices were read (YYYY-MM). */
  readonly asOf: string;
  readonly stepFunctionsStandardTransition: ListPrice;
  readonly lambdaRequest: ListPrice;
  /** Participants run on arm64 (the Participant construct's architecture). */
  readonly lambdaArmGbSecond: ListPrice;
  readonly dynamoDbWriteRequestUnit: ListPrice;
  readonly dynamoDbReadRequestUnit: ListPrice;
  /** Standard queue, per request of up to 64 KiB of payload. */
  readonly sqsStandardRequest: ListPrice;
}

export const PRICES_US_EAST_1_2026_12: PriceList = {
  region: 'us-east-1',
  asOf: '2026-12',
  stepFunctionsStandardTransition: {
    usd: 0.025 / 1_000,
    unit: 'state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    note: '$0.025 per 1,000 state transitions; each retry is billed as an additional transition. Express workflows are priced per request and duration instead.',
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    unit: 'request',
    source: 'https://aws.amazon.com/lambda/pricing/',
    note: '$0.20 per 1M requests. The AWS page renders its price table with scripts; the figure was cross-checked with secondary sources quoting it.',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (arm64)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    note: 'First tier (up to 7.5 billion GB-s a month). Read from secondary sources quoting the AWS table, which the AWS page renders with scripts.',
  },
  dynamoDbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    unit: 'write request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: '$0.625 per 1M WRU after the November 2024 reduction (was $1.25); Standard table class. Read from sources quoting the reduced price.',
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    unit: 'read request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: '$0.125 per 1M RRU after the November 2024 reduction; Standard table class.',
  },
  sqsStandardRequest: {
    usd: 0.4 / 1_000_000,
    unit: 'request (64 KiB chunk)',
    source: 'https://aws.amazon.com/sqs/pricing/',
    note: '$0.40 per 1M requests for the first 100 billion a month; every 64 KiB of payload is one request.',
  },
};

/** The price list the report uses unless told otherwise. */
export const DEFAULT_PRICES: PriceList = PRICES_US_EAST_1_2026_12;
