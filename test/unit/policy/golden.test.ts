// Runs every golden policy file (examples/**/tests.yaml, test/golden/**/*.tests.yaml) through the same runner as
// `arbiter policy test`, one vitest test per case, so CI and the CLI check exactly the same files.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { findGoldenFiles } from '../../../processors/cli/policy.ts';
import { runGoldenFile } from '../../../processors/policy/golden.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = findGoldenFiles([`${root}examples`, `${root}test/golden`]);

describe('golden policy files', () => {
  it('finds the example and golden files', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  for (const file of files) {
    const report = runGoldenFile(file);
    describe(file.slice(root.length), () => {
      it('loads without problems', () => {
        expect(report.problems).toEqual([]);
      });
      for (const c of report.results) {
        it(c.note, () => {
          expect(c.failures).toEqual([]);
        });
      }
      if (report.rules.length > 0) {
        it('fires every rule of its bundle in some case (rule coverage)', () => {
          expect(report.rules.filter((r) => !report.covered.includes(r))).toEqual([]);
        });
      }
    });
  }
});
