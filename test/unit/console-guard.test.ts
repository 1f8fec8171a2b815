import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { consoleRefusal } from '../../infra/local/console/console-guard.js';

const request = (method: string, headers: Record<string, string>) =>
  ({ method, headers: { host: '127.0.0.1:4566', ...headers } }) as unknown as IncomingMessage;
const action = { 'content-type': 'application/json', 'x-stepsaga-console': '1' };

describe('console guard', () => {
  it('serves its own origin and requests without an origin (a typed address)', () => {
    expect(consoleRefusal(request('GET', {}))).toBeUndefined();
    expect(consoleRefusal(request('GET', { origin: 'http://127.0.0.1:4566' }))).toBeUndefined();
    expect(consoleRefusal(request('GET', { 'sec-fetch-site': 'none' }))).toBeUndefined();
    expect(
      consoleRefusal(
        request('POST', { ...action, origin: 'http://127.0.0.1:4566', 'sec-fetch-site': 'same-origin' }),
      ),
    ).toBeUndefined();
  });

  it('refuses other origins, including another port of the same host', () => {
    expect(consoleRefusal(request('GET', { origin: 'http://127.0.0.1:3000' }))).toBe(
      'The console answers its own origin only (http://127.0.0.1:4566), not "http://127.0.0.1:3000".',
    );
    expect(consoleRefusal(request('GET', { 'sec-fetch-site': 'same-site' }))).toBe(
      'The console refuses same-site requests.',
    );
  });

  it('refuses actions that a cross-site form or a simple request could send', () => {
    expect(consoleRefusal(request('POST', { 'content-type': 'text/plain', 'x-stepsaga-console': '1' }))).toBe(
      'Console actions take a JSON body (content-type: application/json).',
    );
    expect(consoleRefusal(request('POST', { 'content-type': 'application/json' }))).toBe(
      'Console actions must carry the x-stepsaga-console header.',
    );
    expect(consoleRefusal(request('DELETE', action))).toBe('The console does not accept DELETE requests.');
  });
});
