import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { TransactionalMessageEnv } from '../../../functions/transactional-message/config.js';
import { acknowledgeInvokeGrant } from '../shared/inherent-findings.js';

/**
 * The producer's check-back: where the sweeper asks "did transaction X commit?". It receives a JSON
 * request (`messageId`, `transactionId`, `messageType`, `payload`, `preparedAt`, `check`, `maxChecks`)
 * and answers `{"status": "COMMIT" | "ROLLBACK" | "UNKNOWN"}`.
 */
export abstract class CheckBack {
  /** HTTP POST to `url`; a 2xx answer with the JSON above counts, anything else is UNKNOWN. */
  static webhook(url: string): CheckBack {
    return new WebhookCheckBack(url);
  }

  /** Synchronous invocation of `fn`, which returns the JSON above; a function error is UNKNOWN. */
  static lambda(fn: lambda.IFunction): CheckBack {
    return new LambdaCheckBack(fn);
  }

  /** Grants the sweeper what it needs to reach the check-back and returns the sweeper's environment for it. */
  abstract bind(sweeper: iam.IGrantable): Record<string, string>;
}

class WebhookCheckBack extends CheckBack {
  constructor(private readonly url: string) {
    super();
  }

  bind(): Record<string, string> {
    return { [TransactionalMessageEnv.checkBackUrl]: this.url };
  }
}

class LambdaCheckBack extends CheckBack {
  constructor(private readonly fn: lambda.IFunction) {
    super();
  }

  bind(sweeper: iam.IGrantable): Record<string, string> {
    this.fn.grantInvoke(sweeper);
    const role = sweeper.grantPrincipal;
    if (role instanceof iam.Role) acknowledgeInvokeGrant(role, this.fn);
    return { [TransactionalMessageEnv.checkBackFunction]: this.fn.functionArn };
  }
}
