import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB requests one PlaceOrder of the example app makes, sent straight to DynamoDB Local with
 * the AWS SDK and nothing else: no state machine, no Lambda workers, no gateway, no stream pollers.
 * Its rate is what DynamoDB Local allows for this app's work, the limit PlaceOrder is measured against.
 *
 * The requests were taken from a recording of what reaches DynamoDB Local during PlaceOrder (a
 * counting proxy in front of it): per execution, three participant transactions one after the other
 * (barrier put + business write + outbox put, with the barrier's recorded input and result), then, for
 * each of the three outbox events, the order history's inbox check (a consistent GetItem) and its
 * inbox transaction (inbox put + event put + summary update). The stream reads of the relays are not
 * part of it: they are how the local cloud emulates Lambda's event source mappings, which AWS runs
 * outside the table's capacity.
 */
export const PLACE_ORDER_REQUESTS = { transactions: 6, reads: 3 } as const;

const PARTS = ['Inventory', 'Payment', 'Shipping', 'OrderHistory'] as const;
type Part = (typeof PARTS)[number];
export type WorkloadTables = Readonly<Record<Part, string>>;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

/**
 * Tables shaped like the app's (same keys, same stream setting) that no stream poller reads, so that
 * the replay does not start the app's event path; seeded with the hot SKU and account PlaceOrder uses.
 */
export async function createWorkloadTables(
  db: DynamoDBClient,
  appTable: (part: Part) => string,
  prefix: string,
): Promise<WorkloadTables> {
  const tables = {} as Record<Part, string>;
  for (const part of PARTS) {
    const shape = (await db.send(new DescribeTableCommand({ TableName: appTable(part) }))).Table;
    const name = `${prefix}-${part}`;
    await db.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: shape?.KeySchema,
        AttributeDefinitions: shape?.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(shape?.StreamSpecification ? { StreamSpecification: shape.StreamSpecification } : {}),
      }),
    );
    tables[part] = name;
  }
  await db.send(
    new PutItemCommand({
      TableName: tables.Inventory,
      Item: { pk: S('SKU#bench'), sk: S('STOCK'), available: N(1_000_000_000) },
    }),
  );
  await db.send(
    new PutItemCommand({
      TableName: tables.Payment,
      Item: { pk: S('ACCOUNT#bench'), sk: S('BALANCE'), balance: N(1_000_000_000) },
    }),
  );
  return tables;
}

interface OutboxEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly step: string;
  readonly payload: string;
}

/** One PlaceOrder's DynamoDB requests for order `orderId`, in the order the app makes them. */
export async function placeOrderWorkload(
  db: DynamoDBClient,
  tables: WorkloadTables,
  orderId: string,
): Promise<void> {
  const now = new Date().toISOString();
  const expiresAt = N(Math.floor(Date.now() / 1000) + 30 * 86_400);
  const input = JSON.stringify({ orderId, customerId: 'bench', sku: 'bench', quantity: 1, amount: 1 });
  const events: OutboxEvent[] = [];
  const barrier = (table: string, step: string, action: string, result: unknown) => ({
    Put: {
      TableName: table,
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      Item: {
        pk: S(`BARRIER#PlaceOrder#${orderId}`),
        sk: S(`${step}#action`),
        itemType: S('barrier'),
        sagaId: S(orderId),
        sagaName: S('PlaceOrder'),
        step: S(step),
        phase: S('action'),
        action: S(action),
        status: S('committed'),
        result: S(JSON.stringify(result)),
        fingerprint: S('sha256:SCb55c4CNDt03JAA9YXwKe0r9Bga6KO70ciSib8-QMk'),
        input: S(input),
        committedAt: S(now),
        expiresAt,
      },
    },
  });
  const outbox = (table: string, step: string, eventType: string, payload: unknown, groupId?: string) => {
    const eventId = `${orderId}#${step}`;
    const event = { eventId, eventType, step, payload: JSON.stringify(payload) };
    events.push(event);
    return {
      Put: {
        TableName: table,
        Item: {
          pk: S(`OUTBOX#${eventId}`),
          sk: S('OUTBOX'),
          itemType: S('outbox'),
          eventId: S(eventId),
          eventType: S(eventType),
          payload: S(event.payload),
          sagaId: S(orderId),
          sagaName: S('PlaceOrder'),
          step: S(step),
          ...(groupId ? { groupId: S(groupId) } : {}),
          createdAt: S(now),
          expiresAt,
        },
      },
    };
  };
  const conditionalUpdate = (table: string, key: string, sk: string, attribute: string) => ({
    Update: {
      TableName: table,
      Key: { pk: S(key), sk: S(sk) },
      UpdateExpression: `SET ${attribute} = ${attribute} - :n`,
      ConditionExpression: `${attribute} >= :n`,
      ExpressionAttributeValues: { ':n': N(1) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  });

  await db.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        barrier(tables.Inventory, 'ReserveInventory', 'reserve', { sku: 'bench', reserved: 1 }),
        conditionalUpdate(tables.Inventory, 'SKU#bench', 'STOCK', 'available'),
        outbox(
          tables.Inventory,
          'ReserveInventory',
          'StockReserved',
          { orderId, sku: 'bench', quantity: 1 },
          'bench',
        ),
      ],
    }),
  );
  await db.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        barrier(tables.Payment, 'ChargePayment', 'charge', { customerId: 'bench', charged: 1 }),
        conditionalUpdate(tables.Payment, 'ACCOUNT#bench', 'BALANCE', 'balance'),
        outbox(tables.Payment, 'ChargePayment', 'PaymentCharged', {
          orderId,
          customerId: 'bench',
          amount: 1,
        }),
      ],
    }),
  );
  const shipmentId = `SHP-${orderId}`;
  await db.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        barrier(tables.Shipping, 'ShipOrder', 'ship', { orderId, shipmentId }),
        {
          Put: {
            TableName: tables.Shipping,
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            Item: {
              pk: S(`ORDER#${orderId}`),
              sk: S('SHIPMENT'),
              itemType: S('shipment'),
              shipmentId: S(shipmentId),
              orderId: S(orderId),
              sku: S('bench'),
              quantity: N(1),
              sagaId: S(orderId),
            },
          },
        },
        outbox(tables.Shipping, 'ShipOrder', 'OrderShipped', { orderId, shipmentId }, orderId),
      ],
    }),
  );
  for (const event of events) {
    const inboxKey = { pk: S(`INBOX#${event.eventId}`), sk: S('INBOX') };
    await db.send(
      new GetItemCommand({ TableName: tables.OrderHistory, Key: inboxKey, ConsistentRead: true }),
    );
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: tables.OrderHistory,
              ConditionExpression: 'attribute_not_exists(pk)',
              Item: {
                ...inboxKey,
                itemType: S('inbox'),
                eventId: S(event.eventId),
                eventType: S(event.eventType),
                sagaId: S(orderId),
                appliedAt: S(now),
                expiresAt,
              },
            },
          },
          {
            Put: {
              TableName: tables.OrderHistory,
              Item: {
                pk: S(`ORDER#${orderId}`),
                sk: S(`EVENT#${event.eventId}`),
                itemType: S('order-event'),
                eventId: S(event.eventId),
                eventType: S(event.eventType),
                sagaId: S(orderId),
                step: S(event.step),
                createdAt: S(now),
                payload: S(event.payload),
              },
            },
          },
          {
            Update: {
              TableName: tables.OrderHistory,
              Key: { pk: S(`ORDER#${orderId}`), sk: S('SUMMARY') },
              UpdateExpression:
                'SET itemType = :type, orderId = :orderId, lastSagaId = :sagaId ADD eventCount :one, eventTypes :eventTypes',
              ExpressionAttributeValues: {
                ':type': S('order-summary'),
                ':orderId': S(orderId),
                ':sagaId': S(orderId),
                ':one': N(1),
                ':eventTypes': { SS: [event.eventType] },
              },
            },
          },
        ],
      }),
    );
  }
}
