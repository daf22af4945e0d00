// partitionFor against the Java client's own choices, recorded on the real broker (bench/partitioners/agreement.ts
// --write: 1,000 keys over 4, 6 and 12 partitions, UUIDs, every length 1-60 and multi-byte UTF-8), and the contract's
// edges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../core/errors.ts';
import { murmur2, partitionFor } from './partition-for.ts';

interface JavaVectors {
  readonly keys: readonly string[];
  readonly partitions: Readonly<Record<string, readonly number[]>>;
}

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, 'partition-for.java-vectors.json'), 'utf8')) as JavaVectors;

describe('partitionFor', () => {
  it('puts every recorded key where the Java client put it', () => {
    const counts = Object.keys(vectors.partitions);
    expect(counts).toEqual(['4', '6', '12']);
    expect(vectors.keys).toHaveLength(1000);
    for (const count of counts) {
      const java = vectors.partitions[count] as readonly number[];
      expect(java).toHaveLength(vectors.keys.length);
      const ours = vectors.keys.map((k) => partitionFor(k, Number(count)));
      expect(ours).toEqual(java);
    }
  });

  it('the vectors exercise both signs of the hash and every tail length', () => {
    const hashes = vectors.keys.map((k) => murmur2(Buffer.from(k)));
    expect(hashes.some((h) => h < 0)).toBe(true);
    expect(hashes.some((h) => h > 0)).toBe(true);
    expect(new Set(vectors.keys.map((k) => Buffer.byteLength(k) % 4))).toEqual(new Set([0, 1, 2, 3]));
    expect(vectors.keys.some((k) => Buffer.byteLength(k) !== k.length)).toBe(true);
  });

  it('hashes a string key as its UTF-8 bytes', () => {
    for (const key of ['sessão-1', '🙂agent', 'plain']) expect(partitionFor(key, 12)).toBe(partitionFor(Buffer.from(key, 'utf8'), 12));
  });

  it('the empty key and one partition', () => {
    expect(murmur2(Buffer.alloc(0))).toBe(murmur2(new Uint8Array(0)));
    expect(partitionFor('', 7)).toBeGreaterThanOrEqual(0);
    expect(partitionFor('anything', 1)).toBe(0);
  });

  it.each([0, -1, 2.5, Number.NaN])('refuses partition count %s with ARB_CONFIG_INVALID', (n) => {
    expect(() => partitionFor('k', n)).toThrow(ArbiterError);
    expect(() => partitionFor('k', n)).toThrow(/ARB_CONFIG_INVALID|positive integer/);
  });
});
