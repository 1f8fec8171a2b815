export type { AwsShapedError, GatewayBackend, GatewayService } from './backend.js';
export {
  DEFAULT_GATEWAY_PORT,
  type Gateway,
  GatewayError,
  type GatewayOptions,
  startGateway,
} from './gateway.js';
export { toGatewayQueueUrl } from './sqs.js';
