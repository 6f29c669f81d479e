import { it } from 'node:test';
import assert from 'node:assert/strict';
import { findViolations } from '../scripts/lint-architecture.ts';

it('the pure core imports no I/O and only the platform reads the clock (DESIGN.md conventions 1 and 5)', () => {
  assert.deepEqual(findViolations(), []);
});
