// Secrets hide their bytes from enumeration, so toEqual would call any two of them equal and a
// test comparing envelopes could not fail. This tester compares what they hold instead (a
// disposed Secret equals only another disposed one). Imported by the tests that compare shares.
import { expect } from 'vitest';
import { Secret } from '../../src/shared/secret';

function bytesEqual(a: Secret, b: Secret): boolean {
  if (a.disposed || b.disposed) return a.disposed && b.disposed;
  return a.use((x) => b.use((y) => x.length === y.length && x.every((v, i) => v === y[i])));
}

expect.addEqualityTesters([
  function secretsEqual(a: unknown, b: unknown): boolean | undefined {
    if (a instanceof Secret && b instanceof Secret) return bytesEqual(a, b);
    if (a instanceof Secret || b instanceof Secret) return false;
    return undefined;
  },
]);
