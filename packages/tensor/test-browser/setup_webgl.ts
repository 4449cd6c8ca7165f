/**
 * Setup of the 'webgl-conformance' project: 'webgl' becomes the default backend for the CPU conformance suite, and
 * the tests listed in skip_list.ts are skipped with their reason.
 */
import { setDefaultBackend } from '@nndl/tensor';
import '@nndl/tensor/webgl';
import { beforeEach } from 'vitest';
import { WEBGL_SKIPS } from './skip_list.js';

setDefaultBackend('webgl');

beforeEach((context) => {
  const names: string[] = [];
  for (let t: { name: string; suite?: unknown } | undefined = context.task; t; t = t.suite as typeof t) {
    if (t.name) names.unshift(t.name);
  }
  // The file-level suite is named after the file: drop it, keep "describe > test".
  const key = names.filter((n) => !n.endsWith('.test.ts')).join(' > ');
  const reason = WEBGL_SKIPS[key];
  if (reason !== undefined) context.skip(reason);
});
