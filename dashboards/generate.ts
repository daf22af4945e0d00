// Writes dashboards/generated/*.json from the specs. The freshness test fails when the checked-in files differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderDashboards } from './index.ts';

export const GENERATED_DIR = fileURLToPath(new URL('./generated/', import.meta.url));

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, json] of renderDashboards()) {
    writeFileSync(`${GENERATED_DIR}${file}`, json);
    console.log(`wrote dashboards/generated/${file}`);
  }
}
