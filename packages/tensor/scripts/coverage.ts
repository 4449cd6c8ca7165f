/** Rewrite docs/tensor-coverage.md from the kernel registry. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coverageDocument } from '../test/coverage_doc.js';

const target = fileURLToPath(new URL('../../../docs/tensor-coverage.md', import.meta.url));
writeFileSync(target, coverageDocument());
console.log(`wrote ${target}`);
