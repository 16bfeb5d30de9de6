/** Why an endpoint URL is unacceptable, or undefined. https only unless WEBHOOK_ALLOW_HTTP. */
export function endpointUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'url must not carry credentials (use customHeaders)';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && allowHttp) return undefined;
  return allowHttp ? 'url must be http or https' : 'url must use https (http is allowed only with WEBHOOK_ALLOW_HTTP=true)';
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers we set, or that belong to the transport: a subscription cannot override them. */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'user-agent']);
export const MAX_CUSTOM_HEADERS = 20;

/** Problems with a subscription's custom headers (empty when acceptable). */
export function customHeaderProblems(headers: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS) problems.push(`customHeaders may hold at most ${MAX_CUSTOM_HEADERS} headers`);
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) problems.push(`customHeaders: "${name}" is not a valid header name`);
    else if (RESERVED_HEADERS.has(lower) || lower.startsWith('webhook-') || lower.startsWith('proxy-')) problems.push(`customHeaders: "${name}" is set by idsync and cannot be overridden`);
    if (typeof value !== 'string' || value.length > 1_000 || /[\r\n\0]/.test(value)) problems.push(`customHeaders: the value of "${name}" must be a single-line string of at most 1000 characters`);
  }
  return problems;
}
