import { ScimError, type ScimErrorType } from '../errors/scim-error';
import {
  COMPARISON_OPERATORS,
  type AttrPath,
  type ComparisonOperator,
  type ComparisonValue,
  type FilterNode,
  type PatchPath,
} from './ast';

// Hand-written tokenizer + recursive-descent parser: a dependency-free, auditable parser is the product here.

export interface ScimFilterParserOptions {
  /** Longest accepted filter/path text (characters). */
  maxLength?: number;
  /** Deepest accepted nesting of `(`, `not (` and `[`. */
  maxDepth?: number;
  /**
   * Most clauses in one filter: every comparison / presence test (including those inside `[ ]`) and
   * every value path counts one. Bounds the SQL a filter compiles to, whatever its depth or length.
   */
  maxClauses?: number;
}

export const DEFAULT_MAX_FILTER_LENGTH = 4096;
export const DEFAULT_MAX_FILTER_DEPTH = 32;
export const DEFAULT_MAX_FILTER_CLAUSES = 100;

type TokenKind = 'word' | 'string' | 'number' | 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'dot' | 'eof';

interface Token {
  kind: TokenKind;
  /** Raw text for words; decoded value for strings; source text for numbers. */
  text: string;
  /** 0-based offset of the token's first character in the input. */
  position: number;
}

const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
// A schema is a URI ("scheme:rest"); SCIM schemas are URNs such as urn:ietf:params:scim:schemas:core:2.0:User.
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function isWordStart(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '$';
}

function isWordPart(char: string): boolean {
  return isWordStart(char) || (char >= '0' && char <= '9') || char === '_' || char === '-' || char === ':' || char === '.';
}

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/** Signals a syntax error inside the parser; converted to ScimError with the caller's scimType. */
class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (isWhitespace(char)) {
      index++;
      continue;
    }
    const start = index;
    switch (char) {
      case '(':
        tokens.push({ kind: 'lparen', text: char, position: start });
        index++;
        continue;
      case ')':
        tokens.push({ kind: 'rparen', text: char, position: start });
        index++;
        continue;
      case '[':
        tokens.push({ kind: 'lbracket', text: char, position: start });
        index++;
        continue;
      case ']':
        tokens.push({ kind: 'rbracket', text: char, position: start });
        index++;
        continue;
      case '.':
        tokens.push({ kind: 'dot', text: char, position: start });
        index++;
        continue;
      case '"': {
        const { value, end } = readJsonString(text, index);
        tokens.push({ kind: 'string', text: value, position: start });
        index = end;
        continue;
      }
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      JSON_NUMBER.lastIndex = index;
      const match = JSON_NUMBER.exec(text);
      const end = match ? index + match[0].length : index;
      if (!match || (end < text.length && isWordPart(text[end]!))) {
        throw new FilterSyntaxError(`invalid number "${readWord(text, index)}"`, start);
      }
      if (!Number.isFinite(Number(match[0]))) {
        throw new FilterSyntaxError(`number out of range "${match[0]}"`, start);
      }
      tokens.push({ kind: 'number', text: match[0], position: start });
      index = end;
      continue;
    }
    if (isWordStart(char)) {
      const word = readWord(text, index);
      tokens.push({ kind: 'word', text: word, position: start });
      index += word.length;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character ${JSON.stringify(char)}`, start);
  }
  tokens.push({ kind: 'eof', text: '', position: text.length });
  return tokens;
}

function readWord(text: string, start: number): string {
  let end = start + 1;
  while (end < text.length && isWordPart(text[end]!)) end++;
  return text.slice(start, end);
}

/** Decodes a JSON (RFC 8259) string literal starting at the opening quote. */
function readJsonString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let index = start + 1;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      // Valid JSON, but PostgreSQL text/jsonb cannot hold U+0000 or unpaired surrogates: reject here, not as a 500 later.
      if (value.includes('\u0000')) throw new FilterSyntaxError('strings must not contain U+0000', start);
      if (UNPAIRED_SURROGATE.test(value)) throw new FilterSyntaxError('strings must not contain unpaired UTF-16 surrogates', start);
      return { value, end: index + 1 };
    }
    if (char === '\\') {
      const escape = text[index + 1];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          value += escape;
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'u': {
          const hex = text.slice(index + 2, index + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new FilterSyntaxError('invalid \\u escape in string', index);
          value += String.fromCharCode(parseInt(hex, 16));
          index += 4;
          break;
        }
        case undefined:
          throw new FilterSyntaxError('unterminated string', start);
        default:
          throw new FilterSyntaxError(`invalid escape "\\${escape}" in string`, index);
      }
      index += 2;
      continue;
    }
    if (char < ' ') throw new FilterSyntaxError('unescaped control character in string', index);
    value += char;
    index++;
  }
  throw new FilterSyntaxError('unterminated string', start);
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `string ${JSON.stringify(token.text)}`;
    case 'number':
      return `number ${token.text}`;
    case 'word':
      return `"${token.text}"`;
    default:
      return `"${token.text}"`;
  }
}

/** Splits `[URI ":"] ATTRNAME ["." subAttr]`; the schema URN itself contains dots and colons. */
function splitAttrPath(word: string, position: number): AttrPath {
  const lastColon = word.lastIndexOf(':');
  const schema = lastColon >= 0 ? word.slice(0, lastColon) : undefined;
  const name = lastColon >= 0 ? word.slice(lastColon + 1) : word;
  if (schema !== undefined && !SCHEMA_URI.test(schema)) {
    throw new FilterSyntaxError(`invalid schema URI "${schema}" in attribute path "${word}"`, position);
  }
  const parts = name.split('.');
  if (parts.length > 2) {
    throw new FilterSyntaxError(`attribute path "${word}" has more than one sub-attribute level`, position);
  }
  const [attribute, subAttribute] = parts as [string, string | undefined];
  if (!ATTRIBUTE_NAME.test(attribute) || (subAttribute !== undefined && !ATTRIBUTE_NAME.test(subAttribute))) {
    throw new FilterSyntaxError(`invalid attribute path "${word}"`, position);
  }
  const path: AttrPath = { attribute };
  if (schema !== undefined) path.schema = schema;
  if (subAttribute !== undefined) path.subAttribute = subAttribute;
  return path;
}

function toComparisonOperator(word: string): ComparisonOperator | undefined {
  const lowered = word.toLowerCase();
  return (COMPARISON_OPERATORS as readonly string[]).includes(lowered) ? (lowered as ComparisonOperator) : undefined;
}

/** One parse of one input: token cursor plus nesting depth. */
class ParseSession {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;
  private clauses = 0;

  constructor(
    text: string,
    private readonly maxDepth: number,
    private readonly maxClauses: number,
  ) {
    this.tokens = tokenize(text);
  }

  parseFilter(): FilterNode {
    const node = this.parseOr(false);
    this.expect('eof', 'end of filter');
    return node;
  }

  parsePatchPath(): PatchPath {
    const pathToken = this.expect('word', 'attribute path');
    const attrPath = splitAttrPath(pathToken.text, pathToken.position);
    if (this.peek().kind !== 'lbracket') {
      this.expect('eof', 'end of path');
      return { attrPath };
    }
    if (attrPath.subAttribute !== undefined) {
      throw new FilterSyntaxError(`a value filter must follow a top-level attribute, not "${pathToken.text}"`, this.peek().position);
    }
    this.countClause(pathToken.position);
    const valueFilter = this.parseBracketedValueFilter();
    if (this.peek().kind === 'dot') {
      attrPath.subAttribute = this.parseTrailingSubAttribute();
    }
    this.expect('eof', 'end of path');
    return { attrPath, valueFilter };
  }

  parseAttrPathOnly(): AttrPath {
    const token = this.expect('word', 'attribute path');
    const path = splitAttrPath(token.text, token.position);
    this.expect('eof', 'end of attribute path');
    return path;
  }

  private parseOr(insideValuePath: boolean): FilterNode {
    let left = this.parseAnd(insideValuePath);
    while (this.peekKeyword('or')) {
      this.index++;
      const right = this.parseAnd(insideValuePath);
      left = { kind: 'logical', operator: 'or', left, right };
    }
    return left;
  }

  private parseAnd(insideValuePath: boolean): FilterNode {
    let left = this.parseUnary(insideValuePath);
    while (this.peekKeyword('and')) {
      this.index++;
      const right = this.parseUnary(insideValuePath);
      left = { kind: 'logical', operator: 'and', left, right };
    }
    return left;
  }

  private parseUnary(insideValuePath: boolean): FilterNode {
    const token = this.peek();
    // `not` is a keyword only when a "(" follows; otherwise it may be an attribute literally named "not".
    if (token.kind === 'word' && token.text.toLowerCase() === 'not' && this.peek(1).kind === 'lparen') {
      this.index += 2;
      const operand = this.parseGroupBody(insideValuePath, token.position);
      return { kind: 'not', operand };
    }
    if (token.kind === 'lparen') {
      this.index++;
      return this.parseGroupBody(insideValuePath, token.position);
    }
    if (token.kind === 'word') return this.parseAttributeExpression(insideValuePath);
    throw new FilterSyntaxError(`expected attribute path, "not" or "(" but found ${describe(token)}`, token.position);
  }

  /** Body of `( … )` after the opening parenthesis has been consumed. */
  private parseGroupBody(insideValuePath: boolean, openPosition: number): FilterNode {
    this.enter(openPosition);
    const node = this.parseOr(insideValuePath);
    const close = this.peek();
    if (close.kind !== 'rparen') {
      throw new FilterSyntaxError(`expected ")" to close "(" at position ${openPosition} but found ${describe(close)}`, close.position);
    }
    this.index++;
    this.depth--;
    return node;
  }

  private parseAttributeExpression(insideValuePath: boolean): FilterNode {
    const pathToken = this.next();
    const path = splitAttrPath(pathToken.text, pathToken.position);
    if (insideValuePath && (path.schema !== undefined || path.subAttribute !== undefined)) {
      throw new FilterSyntaxError(
        `"${pathToken.text}" inside "[ ]" must be a plain sub-attribute name of the enclosing attribute`,
        pathToken.position,
      );
    }

    if (this.peek().kind === 'lbracket') {
      this.countClause(pathToken.position);
      if (insideValuePath) throw new FilterSyntaxError('nested value filters ("[" inside "[ ]") are not allowed', this.peek().position);
      if (path.subAttribute !== undefined) {
        throw new FilterSyntaxError(`a value filter must follow a top-level attribute, not "${pathToken.text}"`, this.peek().position);
      }
      const filter = this.parseBracketedValueFilter();
      if (this.peek().kind !== 'dot') return { kind: 'valuePath', path, filter };
      // Microsoft Entra sends `emails[type eq "work"].value eq "x"`: not in the RFC grammar, but it means the
      // same element must satisfy both, i.e. emails[type eq "work" and value eq "x"].
      const subAttribute = this.parseTrailingSubAttribute();
      const condition = this.parseOperatorTail({ attribute: subAttribute }, pathToken.text + '[…].' + subAttribute);
      return { kind: 'valuePath', path, filter: { kind: 'logical', operator: 'and', left: filter, right: condition } };
    }
    return this.parseOperatorTail(path, pathToken.text);
  }

  /** `pr` or `compareOp compValue` after an attribute path. */
  private parseOperatorTail(path: AttrPath, pathText: string): FilterNode {
    const operatorToken = this.peek();
    this.countClause(operatorToken.position);
    if (operatorToken.kind === 'word' && operatorToken.text.toLowerCase() === 'pr') {
      this.index++;
      return { kind: 'presence', path };
    }
    const operator = operatorToken.kind === 'word' ? toComparisonOperator(operatorToken.text) : undefined;
    if (operator === undefined) {
      const hint = pathText.toLowerCase() === 'not' ? ' ("not" must be followed by "(")' : '';
      throw new FilterSyntaxError(
        `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "${pathText}" but found ${describe(operatorToken)}${hint}`,
        operatorToken.position,
      );
    }
    this.index++;
    const value = this.parseComparisonValue(operator);
    return { kind: 'comparison', path, operator, value };
  }

  private parseComparisonValue(operator: ComparisonOperator): ComparisonValue {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return token.text;
      case 'number':
        return Number(token.text);
      case 'word': {
        // ABNF literals are case-insensitive, so True/FALSE/Null are accepted.
        const lowered = token.text.toLowerCase();
        if (lowered === 'true') return true;
        if (lowered === 'false') return false;
        if (lowered === 'null') return null;
        break;
      }
    }
    throw new FilterSyntaxError(
      `expected a value (string, number, true, false or null) after "${operator}" but found ${describe(token)}`,
      token.position,
    );
  }

  /** `[ valFilter ]`, starting at the "[" token. */
  private parseBracketedValueFilter(): FilterNode {
    const open = this.next();
    this.enter(open.position);
    const filter = this.parseOr(true);
    const close = this.peek();
    if (close.kind !== 'rbracket') {
      throw new FilterSyntaxError(`expected "]" to close "[" at position ${open.position} but found ${describe(close)}`, close.position);
    }
    this.index++;
    this.depth--;
    return filter;
  }

  /** `.subAttr` after a closing "]". */
  private parseTrailingSubAttribute(): string {
    const closingBracket = this.peek(-1);
    const dot = this.next();
    if (dot.position !== closingBracket.position + 1) {
      throw new FilterSyntaxError('unexpected whitespace between "]" and "."', closingBracket.position + 1);
    }
    const nameToken = this.peek();
    // `]`, `.` and the name are separate tokens, so adjacency is checked by position: "]. value" is not a path.
    if (nameToken.kind !== 'word' || nameToken.position !== dot.position + 1 || !ATTRIBUTE_NAME.test(nameToken.text)) {
      throw new FilterSyntaxError(`expected a sub-attribute name after "]." but found ${describe(nameToken)}`, nameToken.position);
    }
    this.index++;
    return nameToken.text;
  }

  private enter(position: number): void {
    this.depth++;
    if (this.depth > this.maxDepth) throw new FilterSyntaxError(`nesting deeper than ${this.maxDepth} levels`, position);
  }

  private countClause(position: number): void {
    this.clauses++;
    if (this.clauses > this.maxClauses) throw new FilterSyntaxError(`too many clauses, max ${this.maxClauses}`, position);
  }

  private peekKeyword(keyword: 'and' | 'or'): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.max(0, Math.min(this.index + ahead, this.tokens.length - 1))]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private expect(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw new FilterSyntaxError(`expected ${what} but found ${describe(token)}`, token.position);
    return this.next();
  }
}

/**
 * Parses RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths. Precedence: not > and > or; keywords, operators and
 * literals are case-insensitive. Bad input only ever produces ScimError (400 invalidFilter / invalidPath).
 */
export class ScimFilterParser {
  private readonly maxLength: number;
  private readonly maxDepth: number;
  private readonly maxClauses: number;

  constructor(options: ScimFilterParserOptions = {}) {
    this.maxLength = options.maxLength ?? DEFAULT_MAX_FILTER_LENGTH;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_FILTER_DEPTH;
    this.maxClauses = options.maxClauses ?? DEFAULT_MAX_FILTER_CLAUSES;
  }

  /** `filter` query parameter / SearchRequest.filter → AST. Throws ScimError 400 invalidFilter. */
  parse(text: string): FilterNode {
    return this.run(text, 'invalidFilter', 'filter', (session) => session.parseFilter());
  }

  /** PatchOp operation `path` → PatchPath. Throws ScimError 400 invalidPath. */
  parsePath(text: string): PatchPath {
    return this.run(text, 'invalidPath', 'path', (session) => session.parsePatchPath());
  }

  /**
   * A bare attribute path such as `sortBy` or an `attributes` entry. Throws ScimError 400 with `errorType`
   * (invalidValue by default: these are plain parameter values, not filters).
   */
  parseAttrPath(text: string, errorType: ScimErrorType = 'invalidValue'): AttrPath {
    return this.run(text, errorType, 'attribute path', (session) => session.parseAttrPathOnly());
  }

  private run<T>(text: unknown, errorType: ScimErrorType, what: string, parse: (session: ParseSession) => T): T {
    if (typeof text !== 'string') throw ScimError.badRequest(errorType, `Invalid ${what}: expected a string`);
    if (text.length > this.maxLength) {
      throw ScimError.badRequest(errorType, `Invalid ${what}: longer than ${this.maxLength} characters`);
    }
    if (text.trim() === '') throw ScimError.badRequest(errorType, `Invalid ${what}: empty`);
    try {
      return parse(new ParseSession(text, this.maxDepth, this.maxClauses));
    } catch (error: unknown) {
      if (error instanceof FilterSyntaxError) {
        throw ScimError.badRequest(errorType, `Invalid ${what} at position ${error.position}: ${error.message}`);
      }
      if (error instanceof ScimError) throw error;
      // Defensive: nothing else should escape, but a client must never see a 500 for a bad filter.
      throw ScimError.badRequest(errorType, `Invalid ${what}`);
    }
  }
}
