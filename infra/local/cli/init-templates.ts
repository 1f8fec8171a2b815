/** What `stepsaga init` fills into the templates. */
export interface ScaffoldValues {
  /** The npm package name of the new app. */
  readonly name: string;
  /** The dependency spec of stepsaga (a version range, or a tarball path while trying a build). */
  readonly stepsaga: string;
  /** Exact versions the app starts with: the ones this stepsaga release was tested with. */
  readonly versions: Readonly<Record<ScaffoldDependency, string>>;
}

export type ScaffoldDependency =
  | 'aws-cdk-lib'
  | 'constructs'
  | 'zod'
  | 'aws-cdk'
  | 'typescript'
  | 'vitest'
  | 'tsx'
  | '@types/node';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The files of a new app, by path relative to its folder. */
export function scaffoldFiles(values: ScaffoldValues): Record<string, string> {
  const v = values.versions;
  return {
    'package.json': json({
      name: values.name,
      version: '0.1.0',
      private: true,
      type: 'module',
      engines: { node: '>=22.15.0' },
      scripts: {
        start: 'stepsaga local up',
        test: 'tsc --noEmit && vitest run',
        synth: 'cdk synth',
        deploy: 'cdk deploy',
      },
      dependencies: {
        'aws-cdk-lib': v['aws-cdk-lib'],
        constructs: v.constructs,
        stepsaga: values.stepsaga,
        zod: v.zod,
      },
      devDependencies: {
        '@types/node': v['@types/node'],
        'aws-cdk': v['aws-cdk'],
        tsx: v.tsx,
        typescript: v.typescript,
        vitest: v.vitest,
      },
    }),
    'cdk.json': json({
      app: 'npx tsx bin/app.ts',
      watch: { include: ['bin/**', 'lib/**', 'functions/**'] },
      context: {
        '@aws-cdk/core:checkSecretUsage': true,
        '@aws-cdk/aws-iam:minimizePolicies': true,
      },
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
        esModuleInterop: true,
        types: ['node'],
      },
      include: ['bin', 'lib', 'functions', 'test', 'vitest.config.ts'],
    }),
    'vitest.config.ts': `import { defineConfig } from 'vitest/config';

// Saga tests wait for executions on the local cloud, and the first start bundles every function.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 180_000 } });
`,
    '.gitignore': 'node_modules/\ncdk.out/\ncdk.context.json\n.stepsaga/\n',
    'bin/app.ts': `import { createApp } from '../lib/app.js';

createApp().synth();
`,
    'lib/app.ts': `import { App } from 'aws-cdk-lib';
import { OrdersStack } from './orders-stack.js';

/** Builds the app; \`bin/app.ts\` synthesizes it and the tests run it on the local cloud. */
export function createApp(): App {
  const app = new App();
  new OrdersStack(app, 'Orders', {
    description: 'The PlaceOrder saga: reserve stock, then charge the customer',
  });
  return app;
}
`,
    'lib/orders-stack.ts': `import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Participant, Saga } from 'stepsaga';

const handler = (file: string) => fileURLToPath(new URL(\`../functions/\${file}\`, import.meta.url));

/**
 * PlaceOrder reserves stock, then charges the customer. The charge is the pivot: once it commits the
 * order goes ahead; when it is refused, the reservation is released.
 */
export class OrdersStack extends Stack {
  public readonly placeOrder: Saga;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const inventory = new Participant(this, 'Inventory', {
      entry: handler('inventory.ts'),
      actions: ['reserve'],
      compensations: ['release'],
    });
    const payment = new Participant(this, 'Payment', {
      entry: handler('payment.ts'),
      actions: ['charge'],
    });
    this.placeOrder = new Saga(this, 'PlaceOrder', {
      steps: [
        { name: 'ReserveStock', participant: inventory, action: 'reserve', compensation: 'release' },
        { name: 'ChargeCustomer', participant: payment, action: 'charge', kind: 'pivot' },
      ],
    });
  }
}
`,
    'functions/order.ts': `import { z } from 'zod';

/** The PlaceOrder saga's input, as both participants read it. */
export const orderInput = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  /** In cents. */
  amount: z.number().int().positive(),
});
`,
    'functions/inventory.ts': `import { defineParticipant } from 'stepsaga/runtime';
import { orderInput } from './order.js';

const reservedKey = (sku: string) => ({ pk: \`SKU#\${sku}\`, sk: 'RESERVED' });

/** Counts reserved units per SKU. The write, its barrier and any events commit in one transaction. */
export const handler = defineParticipant({
  name: 'Inventory',
  input: orderInput,
  actions: {
    reserve: ({ input, update }) => {
      update({
        key: reservedKey(input.sku),
        update: 'SET reserved = if_not_exists(reserved, :zero) + :quantity',
        values: { ':quantity': input.quantity, ':zero': 0 },
      });
      return { sku: input.sku, reserved: input.quantity };
    },
  },
  compensations: {
    // Undo what the action recorded, not what this request says: the barrier keeps the action's result.
    release: ({ action, update }) => {
      const { sku, reserved } = action.result as { sku: string; reserved: number };
      update({
        key: reservedKey(sku),
        update: 'SET reserved = reserved - :quantity',
        values: { ':quantity': reserved },
      });
      return { sku, released: reserved };
    },
  },
});
`,
    'functions/payment.ts': `import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import { orderInput } from './order.js';

/** Orders above this amount are refused, which is how the tests reach the compensating path. */
const CARD_LIMIT = 100_00;

export const handler = defineParticipant({
  name: 'Payment',
  input: orderInput,
  actions: {
    charge: ({ input, put, emit }) => {
      if (input.amount > CARD_LIMIT) {
        throw new BusinessError(\`Card limit exceeded: \${input.amount} > \${CARD_LIMIT}\`, 'CARD_LIMIT');
      }
      put({ item: { pk: \`ORDER#\${input.orderId}\`, sk: 'CHARGE', customerId: input.customerId, amount: input.amount } });
      emit('PaymentCharged', { orderId: input.orderId, amount: input.amount });
      return { charged: input.amount };
    },
  },
});
`,
    'test/place-order.test.ts': `import { enteredStates, getTableItem, runSaga, useLocalCloud } from 'stepsaga/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from '../lib/app.js';

// The synthesized app runs on the local cloud: DynamoDB Local, an SQS emulator and an ASL
// interpreter, with the bundled handlers. No Docker, no AWS account.
const local = useLocalCloud(createApp);

const order = (orderId: string, amount: number) => ({
  orderId,
  customerId: 'alice',
  sku: 'sku-widget',
  quantity: 2,
  amount,
});

describe('PlaceOrder', () => {
  it('reserves the stock and charges the customer', async () => {
    const run = await runSaga(local.cloud, 'PlaceOrder', order('order-1', 25_00));
    expect(run.status).toBe('SUCCEEDED');
    expect(await enteredStates(local.cloud, run.executionArn)).toEqual([
      'ReserveStock',
      'ChargeCustomer',
      'SagaSucceeded',
    ]);
    const charge = await getTableItem(local.cloud, 'Payment/Table', { pk: 'ORDER#order-1', sk: 'CHARGE' });
    expect(charge?.amount).toBe(25_00);
  });

  it('releases the stock when the charge is refused', async () => {
    const run = await runSaga(local.cloud, 'PlaceOrder', order('order-2', 500_00));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('SagaCompensated');
    expect(await enteredStates(local.cloud, run.executionArn)).toContain('Compensate ReserveStock');
    const stock = await getTableItem(local.cloud, 'Inventory/Table', { pk: 'SKU#sku-widget', sk: 'RESERVED' });
    // order-1 still holds its 2 units; order-2's 2 were released.
    expect(stock?.reserved).toBe(2);
  });
});
`,
    'README.md': `# ${values.name}

A saga on AWS Step Functions, declared with [stepsaga](https://www.npmjs.com/package/stepsaga).

\`\`\`sh
npm install
npm start     # run the app on the local cloud at http://127.0.0.1:4566 (no Docker, no AWS account)
npm test      # typecheck, then the sagas' tests on the local cloud
\`\`\`

Requirements: Node.js 22.15 or newer and Java 17 or newer (for DynamoDB Local).

With \`npm start\` running, start a saga from another terminal and follow its timeline:

\`\`\`sh
npx stepsaga run PlaceOrder --input '{"orderId":"o-1","customerId":"alice","sku":"sku-widget","quantity":1,"amount":2500}'
npx stepsaga run PlaceOrder --input '{"orderId":"o-2","customerId":"alice","sku":"sku-widget","quantity":1,"amount":50000}'
\`\`\`

The second one is refused by Payment, so Inventory's reservation is released.

| file | what it is |
|---|---|
| \`lib/orders-stack.ts\` | the participants and the saga |
| \`functions/*.ts\` | the participants' handlers |
| \`test/place-order.test.ts\` | the saga's tests on the local cloud |

Deploy with \`npm run deploy\` (run \`npx cdk bootstrap\` once per account and region).
`,
  };
}
