/**
 * One JSON request helper for the bench scripts (run.mjs and export.mjs each had a copy).
 */

/** Sends one request and parses the JSON answer. @throws Error on a non-2xx status. */
export async function call(server, method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${server.name} ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
