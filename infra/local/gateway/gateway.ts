import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { CONSOLE_PATH, ConsoleServer, isConsolePath } from '../console/index.js';
import { accessKeyIdOf, type GatewayApi, requestObject, sendAccessDenied } from './authorization.js';
import { AWS_JSON_1_0, AWS_JSON_1_1, sendAwsJson, sendAwsJsonError, sendThrown } from './aws-json.js';
import type { GatewayBackend } from './backend.js';
import { parseJsonBody, send } from './http-io.js';
import {
  handleLambdaFunctions,
  handleLambdaInvoke,
  LAMBDA_FUNCTIONS_PATH,
  LAMBDA_INVOKE_PATH,
} from './lambda.js';
import { createEngineAgent, forward, relay } from './proxy.js';
import { sendRefusal } from './refusal.js';
import { checkRequest } from './request-guard.js';
import { classifyRequest, discardBody, readBodyWithin } from './request-limits.js';
import { handleSqsJson, handleSqsQuery } from './sqs.js';
import { queryErrorXml, SQS_QUERY_VERSION } from './sqs-query.js';

export const DEFAULT_GATEWAY_PORT = 4566;

/** The API version SNS query requests carry. */
const SNS_QUERY_VERSION = '2010-03-31';

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
  /**
   * Origins whose web pages may call the endpoint from a browser (`'*'` for any); requests that
   * carry another `Origin` are refused with `AccessDeniedException`.
   * @default none: only the endpoint's own origin
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * `Host` names accepted besides loopback ones (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`);
   * `*.example.test` accepts subdomains.
   * @default none
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Serve the web console at `/_console` (when the backend lists its resources, as a local cloud does).
   * It answers its own origin only, whatever `allowedOrigins` says.
   * @default true
   */
  readonly console?: boolean;
}

/** A running gateway: one HTTP endpoint in front of the local cloud that the AWS SDK and CLI talk to. */
export interface Gateway {
  /** `http://host:port`, the value for `AWS_ENDPOINT_URL` or `--endpoint-url`. */
  readonly endpoint: string;
  readonly port: number;
  /** `http://host:port/_console/`, when the gateway serves the console. */
  readonly consoleUrl?: string;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
}

/** The services the gateway answers for, named as they appear in `X-Amz-Target`. */
const SUPPORTED =
  'Step Functions (AWSStepFunctions.*), DynamoDB (DynamoDB_20120810.*), DynamoDB Streams (DynamoDBStreams_20120810.*), ' +
  'SQS (AmazonSQS.* or query Action=), SNS (query Action= with Version=2010-03-31), EventBridge (AWSEvents.*), Lambda (Invoke, ListFunctions, GetFunction under /2015-03-31/functions)';

/**
 * DynamoDB Local puts `ddblocal` where the region belongs in table ARNs. Clients see the cloud's
 * region, as on AWS, and table ARNs they send back are translated for the engine. Stream ARNs keep
 * DynamoDB Local's form, the one the cloud reports everywhere else (resources, event records), so
 * that every stream ARN a client holds is the same string. The answer's CRC32 header is recomputed
 * when its body changes (botocore checks it).
 */
export function dynamoDbArnRewriter(region: string) {
  const engineTable =
    /arn:aws:dynamodb:ddblocal:(\d+):table\/([A-Za-z0-9_.-]+)(?![A-Za-z0-9_.-]|\/stream\/)/g;
  const clientTable = new RegExp(
    `arn:aws:dynamodb:${region.replace(/[^a-z0-9-]/g, '')}:(\\d+):table\\/([A-Za-z0-9_.-]+)`,
    'g',
  );
  const swap = (body: Buffer, pattern: RegExp, to: string): Buffer => {
    const text = body.toString('utf8');
    const next = text.replace(pattern, to);
    return next === text ? body : Buffer.from(next, 'utf8');
  };
  return {
    toEngine: (body: Buffer) => swap(body, clientTable, 'arn:aws:dynamodb:ddblocal:$1:table/$2'),
    toClient: (body: Buffer) => swap(body, engineTable, `arn:aws:dynamodb:${region}:$1:table/$2`),
  };
}

/** Response headers a permitted browser page may read (the SDKs read them for errors and results). */
const EXPOSED_HEADERS = [
  'x-amzn-requestid',
  'x-amzn-errortype',
  'x-amzn-query-error',
  'x-amz-function-error',
  'x-amz-executed-version',
  'x-amz-log-result',
  'x-amz-crc32',
].join(', ');

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
  const arns = dynamoDbArnRewriter(backend.region);
  const consoleServer =
    options.console !== false && backend.resources
      ? new ConsoleServer(backend, () => `http://${host}:${port}`)
      : undefined;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const kind = classifyRequest(req);
    const verdict = checkRequest({ host: header(req, 'host'), origin: header(req, 'origin') }, options);
    if (!verdict.ok) {
      discardBody(req);
      sendRefusal(res, kind, 'forbidden', verdict.message);
      return;
    }
    // Before CORS: origins allowed for the AWS APIs are not the console's.
    if (consoleServer && isConsolePath(url.pathname)) {
      await consoleServer.handle(req, res, url);
      return;
    }
    if (verdict.allowOrigin) {
      res.setHeader('access-control-allow-origin', verdict.allowOrigin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') {
        discardBody(req);
        send(res, 204, '', {
          'access-control-allow-methods': 'GET, POST, PUT, DELETE',
          'access-control-allow-headers': header(req, 'access-control-request-headers') ?? '*',
          'access-control-max-age': '600',
        });
        return;
      }
    }
    // The Host was checked above: queue URLs in answers name only a host the endpoint accepts.
    const origin = `http://${header(req, 'host') ?? `${host}:${port}`}`;
    const body = await readBodyWithin(req, kind.bodyLimit);
    if (!body) {
      sendRefusal(
        res,
        kind,
        'too-large',
        `The request body is larger than ${kind.bodyLimit} bytes, more than AWS accepts for ${kind.api}.`,
      );
      return;
    }
    const target = header(req, 'x-amz-target');
    const contentType = header(req, 'content-type') ?? '';
    /** True when the call may be served; otherwise the denial has been answered. */
    const authorized = (
      api: GatewayApi,
      operation: string,
      request: () => Record<string, unknown>,
      query = false,
    ): boolean => {
      if (!backend.authorizeRequest) return true;
      const denied = backend.authorizeRequest({
        accessKeyId: accessKeyIdOf(req.headers.authorization),
        api,
        operation,
        request: request(),
      });
      if (!denied) return true;
      sendAccessDenied(res, api, denied, query);
      return false;
    };

    if (target) {
      const dot = target.indexOf('.');
      const service = dot < 0 ? target : target.slice(0, dot);
      const operation = dot < 0 ? '' : target.slice(dot + 1);
      switch (service) {
        case 'AWSStepFunctions':
          if (!authorized('states', operation, () => requestObject(body))) return;
          await serveJsonService(res, body, backend.stepFunctions, operation, AWS_JSON_1_0);
          return;
        case 'AWSEvents':
          if (!authorized('events', operation, () => requestObject(body))) return;
          await serveJsonService(res, body, backend.eventBridge, operation, AWS_JSON_1_1);
          return;
        case 'DynamoDB_20120810':
        case 'DynamoDBStreams_20120810': {
          const api = service === 'DynamoDB_20120810' ? 'dynamodb' : 'dynamodb-streams';
          if (!authorized(api, operation, () => requestObject(body))) return;
          const answer = await forward(req, arns.toEngine(body), {
            agent,
            engine: backend.dynamoDbEndpoint,
            service: 'dynamodb',
            scope,
          });
          const rewritten = arns.toClient(answer.body);
          if (rewritten === answer.body) relay(res, answer);
          else
            relay(
              res,
              { ...answer, headers: { ...answer.headers, 'x-amz-crc32': String(crc32(rewritten)) } },
              rewritten,
            );
          return;
        }
        case 'AmazonSQS':
          if (!authorized('sqs', operation, () => requestObject(body))) return;
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
      if (version === SNS_QUERY_VERSION) {
        if (!authorized('sns', action, () => Object.fromEntries(params), true)) return;
        // The SQS emulator serves SNS itself, in the query protocol SNS clients speak.
        relay(
          res,
          await forward(req, body, { agent, engine: backend.sqsEndpoint, service: 'sns', scope, path: '/' }),
        );
        return;
      }
      if (version === SQS_QUERY_VERSION || /^\/\d{12}\/[^/]+$/.test(url.pathname)) {
        const queueRequest = () => ({
          ...Object.fromEntries(params),
          ...(params.get('QueueUrl') ? {} : { QueueUrl: `${origin}${url.pathname}` }),
        });
        if (!authorized('sqs', action, queueRequest, true)) return;
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
      const invoked = () => ({
        FunctionName: decodeURIComponent(LAMBDA_INVOKE_PATH.exec(url.pathname)?.[1] ?? ''),
        ...(url.searchParams.get('Qualifier') ? { Qualifier: url.searchParams.get('Qualifier') } : {}),
      });
      if (!authorized('lambda', 'Invoke', invoked)) return;
      await handleLambdaInvoke(backend.lambda, res, url, req.headers, body);
      return;
    }

    if (req.method === 'GET' && LAMBDA_FUNCTIONS_PATH.test(url.pathname)) {
      await handleLambdaFunctions(backend.lambda, res, url);
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
    ...(consoleServer ? { consoleUrl: `http://${host}:${port}${CONSOLE_PATH}/` } : {}),
    async stop() {
      consoleServer?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** Answers one call of an in-process AWS JSON service (Step Functions, EventBridge) in its protocol. */
async function serveJsonService(
  res: ServerResponse,
  body: Buffer,
  service: { call(operation: string, request: unknown): Promise<unknown> },
  operation: string,
  contentType: string,
): Promise<void> {
  let request: unknown;
  try {
    request = parseJsonBody(body);
  } catch (error) {
    sendAwsJsonError(
      res,
      400,
      'SerializationException',
      `The request body is not JSON: ${(error as Error).message}`,
      contentType,
    );
    return;
  }
  try {
    sendAwsJson(res, 200, await service.call(operation, request), contentType);
  } catch (error) {
    sendThrown(res, error, contentType);
  }
}
