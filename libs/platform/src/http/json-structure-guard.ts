/**
 * Structural checks on a JSON request body before JSON.parse sees it. JSON.parse silently keeps the
 * last of duplicate keys, so `{"userName":"a","userName":"b"}` would mean different things to us and to
 * a proxy or WAF that keeps the first; it also accepts nesting deep enough for our own recursive code
 * (validation, cloning, serialisation) to overflow the stack. No JSON library offers both checks without
 * building a second parse tree, so this is a single-pass scanner over the (already well-formed or about
 * to be rejected) text: it tracks string boundaries, container depth and the keys of each open object.
 * It does not validate JSON grammar — JSON.parse does that right after.
 */

export const DEFAULT_MAX_JSON_DEPTH = 64;

export type JsonStructureProblem =
  | { kind: 'duplicateKey'; key: string; position: number }
  | { kind: 'tooDeep'; maxDepth: number; position: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/** Returns the first structural problem in `text`, or undefined when there is none. */
export function findJsonStructureProblem(text: string, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): JsonStructureProblem | undefined {
  // One entry per open container: the keys seen so far for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      i++;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === QUOTE) break;
        i++;
      }
      const end = i; // index of the closing quote (or length when unterminated: JSON.parse rejects it)
      i++;
      const top = stack[stack.length - 1];
      if (top && isFollowedByColon(text, i)) {
        const raw = text.slice(start, end + 1);
        const key = escaped ? decodeJsonString(raw) : raw.slice(1, -1);
        if (key === undefined) return undefined; // malformed escape: JSON.parse reports it
        if (top.has(key)) return { kind: 'duplicateKey', key, position: start };
        top.add(key);
      }
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= maxDepth) return { kind: 'tooDeep', maxDepth, position: i };
      stack.push(c === OPEN_OBJECT ? new Set<string>() : null);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    }
    i++;
  }
  return undefined;
}

function isFollowedByColon(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}

function decodeJsonString(raw: string): string | undefined {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes `bytes` as UTF-8, or returns undefined when they are not valid UTF-8 (overlong forms, lone surrogates, truncation). */
export function decodeStrictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
