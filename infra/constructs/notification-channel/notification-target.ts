import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { NotifierEnv } from '../../../functions/notifier/config.js';
import { acknowledgeInvokeGrant } from '../shared/inherent-findings.js';

/** How a notification channel calls a webhook target. */
export interface WebhookTargetOptions {
  /**
   * Signs each request: header `X-Stepsaga-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`
   * with the secret's string value (see docs/events.md for the receiver's check).
   * @default requests are not signed
   */
  readonly signingSecret?: secretsmanager.ISecret | ssm.IStringParameter;
}

function isSecret(value: secretsmanager.ISecret | ssm.IStringParameter): value is secretsmanager.ISecret {
  return 'secretArn' in value;
}

/** Where a `NotificationChannel` delivers its messages. */
export abstract class NotificationTarget {
  /** HTTP POST of the message body to `url`; any 2xx answer is a delivery. */
  static webhook(url: string, options: WebhookTargetOptions = {}): NotificationTarget {
    return new WebhookTarget(url, options);
  }

  /** Synchronous invocation of `fn` with the message body as its event; a function error is a failed attempt. */
  static lambda(fn: lambda.IFunction): NotificationTarget {
    return new LambdaTarget(fn);
  }

  /** Grants the notifier what it needs to reach the target and returns the notifier's environment for it. */
  abstract bind(notifier: iam.IGrantable): Record<string, string>;
}

class WebhookTarget extends NotificationTarget {
  constructor(
    private readonly url: string,
    private readonly options: WebhookTargetOptions,
  ) {
    super();
  }

  bind(notifier: iam.IGrantable): Record<string, string> {
    const env: Record<string, string> = { [NotifierEnv.webhookUrl]: this.url };
    const secret = this.options.signingSecret;
    if (secret && isSecret(secret)) {
      secret.grantRead(notifier);
      env[NotifierEnv.signingSecretArn] = secret.secretArn;
    } else if (secret) {
      secret.grantRead(notifier);
      env[NotifierEnv.signingParameterName] = secret.parameterName;
    }
    return env;
  }
}

class LambdaTarget extends NotificationTarget {
  constructor(private readonly fn: lambda.IFunction) {
    super();
  }

  bind(notifier: iam.IGrantable): Record<string, string> {
    this.fn.grantInvoke(notifier);
    const role = notifier.grantPrincipal;
    if (role instanceof iam.Role) acknowledgeInvokeGrant(role, this.fn);
    return { [NotifierEnv.targetFunction]: this.fn.functionArn };
  }
}
