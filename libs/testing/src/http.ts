/** Small fetch helpers for tests that drive apps over HTTP, the way a partner or operator would. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function httpJson<T = any>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Authorization of the operator APIs when OPERATOR_API_KEY is unset (the development key). */
export const DEV_OPERATOR_HEADERS: Readonly<Record<string, string>> = { authorization: 'Bearer dev-operator-key' };
