// Before zod sees a payload: is it plain data at all? Structured clone lets a renderer send
// Dates, Maps, typed arrays, sparse arrays, objects with odd prototypes and very deep nesting;
// none of that is part of any request. Refusing it here keeps the schemas simple (a Date is
// "an object with no keys" to a schema whose fields are all optional) and bounds the work a
// hostile payload can cause.

export const LIMITS = {
  depth: 8,
  /** Keys plus array items, over the whole payload. */
  nodes: 2000,
  /** UTF-16 code units over all strings and keys. */
  chars: 256 * 1024,
} as const;

export type PlainVerdict = { ok: true } | { ok: false; reason: string };

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function checkPlainData(value: unknown): PlainVerdict {
  let nodes = 0;
  let chars = 0;
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): string | null => {
    if (++nodes > LIMITS.nodes) return 'the request is too large';
    switch (typeof v) {
      case 'string':
        chars += v.length;
        return chars > LIMITS.chars ? 'the request is too large' : null;
      case 'boolean':
        return null;
      case 'number':
        return Number.isFinite(v) ? null : 'a number is not finite';
      case 'object': {
        if (v === null) return null;
        if (depth >= LIMITS.depth) return 'the request is nested too deeply';
        if (seen.has(v)) return 'the request refers to itself';
        seen.add(v);
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype) return 'an array is not plain';
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) return 'an array has holes';
            const bad = walk(v[i], depth + 1);
            if (bad) return bad;
          }
          return Object.keys(v).length === v.length ? null : 'an array has extra properties';
        }
        if (!isPlainObject(v)) return 'a value is not plain data';
        if (Object.getOwnPropertySymbols(v).length > 0) return 'an object has symbol keys';
        for (const key of Object.getOwnPropertyNames(v)) {
          const desc = Object.getOwnPropertyDescriptor(v, key);
          if (!desc || !('value' in desc) || !desc.enumerable) return 'an object has accessors';
          chars += key.length;
          // `{ expect: undefined }` is how TypeScript code leaves out an optional field.
          if (desc.value === undefined) continue;
          const bad = walk(desc.value, depth + 1);
          if (bad) return bad;
        }
        return null;
      }
      default:
        // undefined (other than as a field value), bigint, symbol, function: none is a request.
        return `a ${typeof v} is not plain data`;
    }
  };
  let reason: string | null;
  try {
    reason = walk(value, 0);
  } catch {
    // Only an exotic object (a Proxy with throwing traps) gets here; it is not plain data.
    reason = 'the request could not be read';
  }
  return reason ? { ok: false, reason } : { ok: true };
}
