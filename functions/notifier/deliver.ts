import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { NotificationTargetConfig } from './config.js';
import { DeliveryError } from './errors.js';
import { signWebhookBody, WebhookHeaders } from './signature.js';
import type { SigningSecretProvider } from './signing-secret.js';

export interface Delivery {
  readonly notificationId: string;
  readonly attempt: number;
  /** The SQS message body, passed on verbatim. */
  readonly body: string;
}

export interface DeliveryContext {
  readonly lambda: LambdaClient;
  readonly signingSecret: SigningSecretProvider;
  readonly timeoutMs: number;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function describeFetchError(error: unknown): string {
  // fetch reports network failures as "fetch failed"; the cause says which (ECONNREFUSED, timeout, DNS).
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}

async function deliverToWebhook(url: string, delivery: Delivery, context: DeliveryContext, signed: boolean) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': isJson(delivery.body) ? 'application/json' : 'text/plain; charset=utf-8',
    'user-agent': 'stepsaga-notifier',
    [WebhookHeaders.notificationId]: delivery.notificationId,
    [WebhookHeaders.attempt]: String(delivery.attempt),
    [WebhookHeaders.timestamp]: timestamp,
  };
  if (signed) {
    const secret = await context.signingSecret();
    if (secret) headers[WebhookHeaders.signature] = signWebhookBody(secret, timestamp, delivery.body);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: delivery.body,
      signal: AbortSignal.timeout(context.timeoutMs),
    });
  } catch (error) {
    throw new DeliveryError(`Webhook ${url} could not be reached: ${describeFetchError(error)}`);
  }
  if (response.status < 200 || response.status >= 300) {
    const text = (await response.text().catch(() => '')).slice(0, 200);
    throw new DeliveryError(`Webhook ${url} answered HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
  await response.body?.cancel();
}

async function deliverToLambda(functionName: string, delivery: Delivery, context: DeliveryContext) {
  const payload = isJson(delivery.body) ? delivery.body : JSON.stringify(delivery.body);
  let result: InvokeCommandOutput;
  try {
    result = await context.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(payload),
      }),
      { abortSignal: AbortSignal.timeout(context.timeoutMs) },
    );
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DeliveryError(`Invoking function ${functionName} failed: ${message}`);
  }
  if (result.FunctionError) {
    const detail = result.Payload ? new TextDecoder().decode(result.Payload).slice(0, 300) : '';
    throw new DeliveryError(`Function ${functionName} failed (${result.FunctionError}): ${detail}`);
  }
}

/** Delivers one notification; resolves when the target accepted it, throws DeliveryError otherwise. */
export async function deliver(
  target: NotificationTargetConfig,
  delivery: Delivery,
  context: DeliveryContext,
): Promise<void> {
  if (target.kind === 'webhook') {
    await deliverToWebhook(target.url, delivery, context, target.signingSecret !== undefined);
  } else {
    await deliverToLambda(target.functionName, delivery, context);
  }
}
