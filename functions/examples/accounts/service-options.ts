import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What a test or another deployment may set on an account service; Lambda uses the defaults. */
export interface AccountServiceOptions {
  /** @default the runtime's shared client */
  readonly client?: DynamoDBClient;
  /** @default process.env.STEPSAGA_TABLE_NAME */
  readonly tableName?: string;
  /** Seconds a reservation waits for Confirm or Cancel. @default reservationSeconds() */
  readonly reservationSeconds?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}
