/**
 * Translation between SQS's query protocol (form-encoded `Action=...`, XML answers), which older AWS
 * CLIs and SDKs still speak, and its JSON protocol, which the SQS emulator serves.
 */

export const SQS_QUERY_VERSION = '2012-11-05';
const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Flattened query list names → JSON list member names. */
const LIST_NAMES: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  TagKey: 'TagKeys',
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
};

/** Flattened query maps (`X.n.Name`/`X.n.Value` or `Key`/`Value`) → JSON map member names. */
const MAP_NAMES: Record<string, string> = {
  Attribute: 'Attributes',
  MessageAttribute: 'MessageAttributes',
  MessageSystemAttribute: 'MessageSystemAttributes',
  Tag: 'Tags',
};

const NUMBER_MEMBERS = new Set([
  'MaxNumberOfMessages',
  'VisibilityTimeout',
  'WaitTimeSeconds',
  'DelaySeconds',
  'MaxResults',
]);

type Tree = { [key: string]: Tree | string };

function isIndexed(node: Tree): boolean {
  const keys = Object.keys(node);
  return keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
}

function entriesInOrder(node: Tree): (Tree | string)[] {
  return Object.keys(node)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k] as Tree | string);
}

function convert(node: Tree | string, name: string): unknown {
  if (typeof node === 'string') return NUMBER_MEMBERS.has(name) ? Number(node) : node;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    if (typeof child !== 'string' && isIndexed(child)) {
      const items = entriesInOrder(child);
      const mapName = MAP_NAMES[key];
      if (mapName) {
        const map: Record<string, unknown> = {};
        for (const item of items) {
          if (typeof item === 'string') continue;
          const entryKey = (item.Name ?? item.Key) as string;
          map[entryKey] = convert(item.Value ?? '', 'Value');
        }
        out[mapName] = map;
      } else {
        out[LIST_NAMES[key] ?? key] = items.map((item) => convert(item, key));
      }
    } else {
      out[key] = convert(child, key);
    }
  }
  return out;
}

/** Turns query parameters (minus Action and Version) into the JSON request of the same operation. */
export function queryToJsonRequest(action: string, params: URLSearchParams): Record<string, unknown> {
  const root: Tree = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const path = key.split('.');
    let node = root;
    for (const [i, segment] of path.entries()) {
      if (i === path.length - 1) node[segment] = value;
      else {
        let next = node[segment];
        if (typeof next !== 'object') {
          next = {};
          node[segment] = next;
        }
        node = next;
      }
    }
  }
  const json = convert(root, action) as Record<string, unknown>;
  // CreateQueue names its tag map `tags` in the JSON protocol, TagQueue `Tags`.
  if (action === 'CreateQueue' && json.Tags) {
    json.tags = json.Tags;
    delete json.Tags;
  }
  return json;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

/** JSON list members → the flattened element name each item gets in XML. */
function xmlListName(action: string, key: string): string | undefined {
  const names: Record<string, string> = {
    QueueUrls: 'QueueUrl',
    queueUrls: 'QueueUrl',
    Messages: 'Message',
    Successful: `${action}ResultEntry`,
    Failed: 'BatchResultErrorEntry',
  };
  return names[key];
}

const XML_MAP_NAMES: Record<string, [element: string, keyName: string]> = {
  Attributes: ['Attribute', 'Name'],
  MessageAttributes: ['MessageAttribute', 'Name'],
  MessageSystemAttributes: ['MessageSystemAttribute', 'Name'],
  Tags: ['Tag', 'Key'],
};

function scalarXml(value: unknown): string {
  return escapeXml(typeof value === 'string' ? value : String(value));
}

function toXml(action: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return scalarXml(value);
  let xml = '';
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (child === null || child === undefined) continue;
    const mapSpec = XML_MAP_NAMES[key];
    if (mapSpec && typeof child === 'object' && !Array.isArray(child)) {
      const [element, keyName] = mapSpec;
      for (const [k, v] of Object.entries(child as Record<string, unknown>)) {
        xml += `<${element}><${keyName}>${escapeXml(k)}</${keyName}><Value>${toXml(action, v)}</Value></${element}>`;
      }
    } else if (Array.isArray(child)) {
      const element = xmlListName(action, key) ?? key;
      for (const item of child) xml += `<${element}>${toXml(action, item)}</${element}>`;
    } else {
      xml += `<${key}>${toXml(action, child)}</${key}>`;
    }
  }
  return xml;
}

export function jsonToQueryXml(action: string, json: unknown, requestId: string): string {
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}"><${action}Result>${toXml(action, json)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryErrorXml(
  code: string,
  message: string,
  fault: 'Sender' | 'Receiver',
  requestId: string,
): string {
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>${fault}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/**
 * The query-protocol error code of a JSON-protocol SQS error: the `x-amzn-query-error` header when the
 * engine sends it (`AWS.SimpleQueueService.NonExistentQueue;Sender`), else the `__type` after `#`.
 */
export function queryErrorCode(
  queryErrorHeader: string | undefined,
  jsonType: string | undefined,
): { code: string; fault: 'Sender' | 'Receiver' } {
  if (queryErrorHeader) {
    const [code = 'InternalError', fault] = queryErrorHeader.split(';');
    return { code, fault: fault === 'Receiver' ? 'Receiver' : 'Sender' };
  }
  const code = jsonType?.split('#').pop() ?? 'InternalError';
  return { code, fault: 'Sender' };
}
