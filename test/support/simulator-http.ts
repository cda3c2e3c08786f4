// The simulator's own routes (ground truth, settings, ledger, statements) as tests call them: no
// API key, JSON in and out, the body parsed when there is one.
export async function simulatorRequest(baseUrl: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}/simulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
