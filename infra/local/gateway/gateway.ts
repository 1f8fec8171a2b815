import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendAwsJson, sendAwsJsonError, sendThrown } from './aws-json.js';
import type { GatewayBackend } from './backend.js';
import { parseJsonBody, readBody, send } from './http-io.js';
import { handleLambdaInvoke, LAMBDA_INVOKE_PATH } from './lambda.js';
import { createEngineAgent, forward, relay } from './proxy.js';
import { handleSqsJson, handleSqsQuery } from './sqs.js';
import { queryErrorXml, SQS_QUERY_VERSION } from './sqs-query.js';

export const DEFAULT_GATEWAY_PORT = 4566;

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** TCP port; 0 picks a free one. @default 4566 */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Access key id presented to the engines instead of the client's. DynamoDB Local keeps one database
   * per access key, so every client must appear as the key the local cloud itself uses.
   * @default 'local' (the local cloud's key)
   */
  readonly engineAccessKeyId?: string;
}

/** A running gateway: one HTTP endpoint in front of the local cloud that the AWS SDK and CLI talk to. */
export interface Gateway {
  /** `http://host:port`, the value for `AWS_ENDPOINT_URL` or `--endpoint-url`. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
}

/** The services the gateway answers for, named as they appear in `X-Amz-Target`. */
const SUPPORTED =
  'Step Functions (AWSStepFunctions.*), DynamoDB (DynamoDB_20120810.*), DynamoDB Streams (DynamoDBStreams_20120810.*), ' +
  'SQS (AmazonSQS.* or query Action=), Lambda (POST /2015-03-31/functions/{name}/invocations)';

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Starts one AWS-compatible HTTP endpoint in front of a local cloud: Step Functions and Lambda are
 * answered by the cloud's services, DynamoDB, DynamoDB Streams and SQS are proxied to their engines.
 * SigV4 signatures are accepted without verification.
 */
export async function startGateway(backend: GatewayBackend, options: GatewayOptions = {}): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const agent = createEngineAgent();
  const scope = { region: backend.region, accessKeyId: options.engineAccessKeyId ?? 'local' };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const origin = `http://${header(req, 'host') ?? `${host}:${port}`}`;
    const body = await readBody(req);
    const target = header(req, 'x-amz-target');
    const contentType = header(req, 'content-type') ?? '';

    if (target) {
      const dot = target.indexOf('.');
      const service = dot < 0 ? target : target.slice(0, dot);
      const operation = dot < 0 ? '' : target.slice(dot + 1);
      switch (service) {
        case 'AWSStepFunctions': {
          let request: unknown;
          try {
            request = parseJsonBody(body);
          } catch (error) {
            sendAwsJsonError(
              res,
              400,
              'SerializationException',
              `The request body is not JSON: ${(error as Error).message}`,
            );
            return;
          }
          try {
            sendAwsJson(res, 200, await backend.stepFunctions.call(operation, request));
          } catch (error) {
            sendThrown(res, error);
          }
          return;
        }
        case 'DynamoDB_20120810':
        case 'DynamoDBStreams_20120810': {
          const answer = await forward(req, body, {
            agent,
            engine: backend.dynamoDbEndpoint,
            service: 'dynamodb',
            scope,
          });
          relay(res, answer);
          return;
        }
        case 'AmazonSQS':
          await handleSqsJson(
            req,
            res,
            body,
            { agent, engine: backend.sqsEndpoint, service: 'sqs', scope },
            origin,
          );
          return;
        default:
          sendAwsJsonError(
            res,
            400,
            'UnknownOperationException',
            `The stepsaga local endpoint does not support service "${service}" (operation "${operation}", X-Amz-Target "${target}"). ` +
              `Supported: ${SUPPORTED}.`,
          );
          return;
      }
    }

    if (req.method === 'POST' && contentType.includes('application/x-www-form-urlencoded')) {
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action') ?? '';
      const version = params.get('Version');
      if (version === SQS_QUERY_VERSION || /^\/\d{12}\/[^/]+$/.test(url.pathname)) {
        await handleSqsQuery(
          req,
          res,
          params,
          { agent, engine: backend.sqsEndpoint, service: 'sqs', scope },
          origin,
        );
        return;
      }
      const message =
        `The stepsaga local endpoint does not support query action "${action}" (Version ${version ?? 'missing'}). ` +
        `Supported: ${SUPPORTED}.`;
      send(res, 400, queryErrorXml('InvalidAction', message, 'Sender', crypto.randomUUID()), {
        'content-type': 'text/xml',
      });
      return;
    }

    if (req.method === 'POST' && LAMBDA_INVOKE_PATH.test(url.pathname)) {
      await handleLambdaInvoke(backend.lambda, res, url, req.headers, body);
      return;
    }

    if (req.method === 'GET' && (url.pathname === '/health' || url.pathname === '/_stepsaga/health')) {
      sendAwsJson(res, 200, { status: 'running', region: backend.region }, 'application/json');
      return;
    }

    sendAwsJsonError(
      res,
      404,
      'UnknownOperationException',
      `The stepsaga local endpoint does not support ${req.method} ${url.pathname} (no X-Amz-Target header, no query Action). ` +
        `Supported: ${SUPPORTED}.`,
      'application/json',
    );
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendThrown(res, error);
      else res.destroy(error as Error);
    });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new GatewayError(
              `Port ${options.port ?? DEFAULT_GATEWAY_PORT} on ${host} is already in use (another local cloud or LocalStack?). ` +
                'Stop it, or choose another port (--port, or 0 for any free port).',
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? DEFAULT_GATEWAY_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://${host}:${port}`,
    port,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
