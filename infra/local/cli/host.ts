import { type Gateway, startGateway } from '../gateway/index.js';
import { startLocalCloud } from '../index.js';
import type { SynthCacheOptions } from '../synth-cache.js';
import type { LocalCloud, LocalCloudOptions, LocalLogLine } from '../types.js';
import type { AppSource } from './load-app.js';

export interface HostOptions {
  readonly app: AppSource;
  /** Gateway port; 0 for any free port. @default 4566 */
  readonly port?: number;
  readonly region?: string;
  readonly onLog?: (line: LocalLogLine) => void;
  /** Extra local cloud options (e.g. retry divisor for tests). */
  readonly retryIntervalDivisor?: number;
  /** Run the app's scheduled EventBridge rules. @default true */
  readonly runSchedules?: boolean;
  /** Reuse the app's synthesized assembly while its sources are unchanged. @default no cache */
  readonly synthCache?: SynthCacheOptions;
  /** Browser origins allowed to call the endpoint (`--allow-origin`). @default none */
  readonly allowedOrigins?: readonly string[];
  /** Host names accepted besides loopback ones (`--allow-host`). @default none */
  readonly allowedHosts?: readonly string[];
  /** How the app's IAM policies are applied (`--enforce-iam`). @default 'warn' */
  readonly iam?: 'enforce' | 'warn' | 'off';
  /** Folder to persist the cloud's state to (`--persist`). @default in memory */
  readonly persist?: string;
  /** A DynamoDB Local already starting, for the cloud to adopt (see `LocalCloudOptions`). */
  readonly dynamoDbLocal?: LocalCloudOptions['dynamoDbLocal'];
}

export interface HostedCloud {
  readonly cloud: LocalCloud;
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

/**
 * Starts the local cloud and its AWS-compatible endpoint for clients outside it (SDKs, the AWS CLI).
 * If the gateway cannot listen, the cloud is stopped.
 */
export async function hostLocalCloud(options: HostOptions): Promise<HostedCloud> {
  const cloud = await startLocalCloud({
    app: options.app,
    region: options.region,
    onLog: options.onLog,
    retryIntervalDivisor: options.retryIntervalDivisor,
    runSchedules: options.runSchedules,
    synthCache: options.synthCache,
    ...(options.iam ? { iam: options.iam } : {}),
    ...(options.persist !== undefined ? { persist: options.persist } : {}),
    ...(options.dynamoDbLocal ? { dynamoDbLocal: options.dynamoDbLocal } : {}),
  });
  let gateway: Gateway;
  try {
    gateway = await startGateway(cloud, {
      port: options.port,
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    });
  } catch (error) {
    await cloud.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    cloud,
    gateway,
    stop() {
      stopping ??= (async () => {
        await gateway.stop();
        await cloud.stop();
      })();
      return stopping;
    },
  };
}
