import { describe, expect, it } from 'vitest';
import { checkRequest, hostName, isAcceptedHost } from '../../infra/local/gateway/request-guard.js';

describe('the gateway request guard', () => {
  it('accepts loopback host names, the SDK sync- prefix and allowed names, nothing else', () => {
    for (const host of [
      'localhost:4566',
      'LOCALHOST',
      '127.0.0.1:4566',
      '127.1.2.3',
      '[::1]:4566',
      'sqs.localhost:4566',
      'sync-localhost:4566',
      'sync-sfn.localhost',
    ]) {
      expect(isAcceptedHost(host), host).toBe(true);
    }
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '10.0.0.5:4566',
      '[fe80::1]:4566',
      '0.0.0.0',
    ]) {
      expect(isAcceptedHost(host), host).toBe(false);
    }
    expect(isAcceptedHost('devbox.internal:4566', ['devbox.internal'])).toBe(true);
    expect(isAcceptedHost('a.devbox.internal', ['*.devbox.internal'])).toBe(true);
    expect(isAcceptedHost('devbox.internal.evil', ['*.devbox.internal'])).toBe(false);
    expect(hostName('[::1]:80')).toBe('::1');
  });

  it('serves requests without Origin and from the endpoint itself; refuses other origins unless allowed', () => {
    expect(checkRequest({ host: 'localhost:4566' }, {})).toEqual({ ok: true });
    expect(checkRequest({ host: 'localhost:4566', origin: 'http://localhost:4566' }, {})).toMatchObject({
      ok: true,
    });
    const refused = checkRequest({ host: 'localhost:4566', origin: 'http://evil.example' }, {});
    expect(refused).toMatchObject({ ok: false });
    expect(refused.ok === false && refused.message).toContain('--allow-origin http://evil.example');
    expect(checkRequest({ host: 'localhost:4566', origin: 'null' }, {}).ok).toBe(false);
    // Another port of the same host is another origin.
    expect(checkRequest({ host: 'localhost:4566', origin: 'http://localhost:3000' }, {}).ok).toBe(false);
    expect(
      checkRequest(
        { host: 'localhost:4566', origin: 'http://localhost:3000' },
        { allowedOrigins: ['http://localhost:3000/'] },
      ),
    ).toEqual({ ok: true, allowOrigin: 'http://localhost:3000' });
    expect(
      checkRequest({ host: 'localhost:4566', origin: 'https://x.test' }, { allowedOrigins: ['*'] }).ok,
    ).toBe(true);
    expect(checkRequest({ host: 'evil.example:4566', origin: 'http://evil.example:4566' }, {}).ok).toBe(
      false,
    );
  });
});
