/** The console's JSON API, on the same origin. */
const BASE = '/_console/api/';

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.message ?? `${response.status} ${response.statusText}`);
    error.name = body.error ?? 'Error';
    throw error;
  }
  return body;
}

export async function get(route, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const suffix = query.size > 0 ? `?${query}` : '';
  return answer(await fetch(`${BASE}${route}${suffix}`, { credentials: 'same-origin', cache: 'no-store' }));
}

/**
 * Actions carry a JSON body and the console's own header: a page on another site cannot send
 * either without a CORS preflight, which the console never answers.
 */
export async function post(route, body) {
  return answer(
    await fetch(`${BASE}${route}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-stepsaga-console': '1' },
      body: JSON.stringify(body),
    }),
  );
}
