import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generatePassword, hashPassword, isPasswordHash, passwordProblem, PasswordVerifier, verifyPassword,
} from '../../src/chargers/security/charger-password.ts';
import { WriteBudget } from '../../src/chargers/write-budget.ts';

describe('charger passwords (security profile 1)', () => {
  it('are generated at random, 24 characters from an alphabet without look-alikes (OCPP allows 16 to 40)', () => {
    const passwords = Array.from({ length: 50 }, generatePassword);
    for (const password of passwords) {
      assert.match(password, /^[A-HJ-NP-Za-km-z2-9]{24}$/);
      assert.equal(passwordProblem(password), undefined);
    }
    assert.equal(new Set(passwords).size, passwords.length);
  });

  it('are stored as salted scrypt hashes that verify the password and nothing else', async () => {
    const first = await hashPassword('correct-horse-battery');
    const second = await hashPassword('correct-horse-battery');
    assert.notEqual(first, second, 'a fresh salt every time');
    assert.ok(isPasswordHash(first));
    assert.ok(!first.includes('correct-horse'));
    assert.equal(await verifyPassword(Buffer.from('correct-horse-battery'), first), true);
    assert.equal(await verifyPassword(Buffer.from('correct-horse-batterY'), first), false);
    assert.equal(await verifyPassword(Buffer.from(''), first), false);
  });

  it('never match a malformed or tampered hash, and refuse absurd cost parameters', async () => {
    const hash = await hashPassword('correct-horse-battery');
    const parts = hash.split('$');
    for (const bad of ['', 'plain-text', parts.slice(0, 5).join('$'), ['scrypt', 1 << 24, ...parts.slice(2)].join('$'), ['scrypt', 3000, ...parts.slice(2)].join('$')]) {
      assert.equal(isPasswordHash(bad), false, bad);
      assert.equal(await verifyPassword(Buffer.from('correct-horse-battery'), bad), false);
    }
  });

  it('checks provisioning rules: 16 to 40 printable characters', () => {
    assert.match(passwordProblem('short') ?? '', /16 to 40/);
    assert.match(passwordProblem('x'.repeat(41)) ?? '', /16 to 40/);
    assert.match(passwordProblem('has a space in it!!') ?? '', /printable/);
  });

  it('remember a verified password for cheap reconnects, and forget it when the hash changes', async () => {
    const verifier = new PasswordVerifier();
    const hash = await hashPassword('first-password-0001');
    assert.equal(await verifier.verify('cp', Buffer.from('first-password-0001'), hash), true);
    assert.equal(await verifier.verify('cp', Buffer.from('first-password-0001'), hash), true);
    assert.equal(await verifier.verify('cp', Buffer.from('wrong-password-0001'), hash), false);
    const reset = await hashPassword('second-password-002');
    assert.equal(await verifier.verify('cp', Buffer.from('first-password-0001'), reset), false, 'the old one no longer passes');
    assert.equal(await verifier.verify('cp', Buffer.from('second-password-002'), reset), true);
  });
});

describe('the daily write budget', () => {
  it('counts writes in a rolling 24 h window', () => {
    const budget = new WriteBudget(3);
    const day = 86_400_000;
    for (const atMs of [0, 1000, 2000]) {
      assert.equal(budget.allows(atMs), true);
      budget.record(atMs);
    }
    assert.equal(budget.allows(3000), false);
    assert.deepEqual(budget.report(3000), { perDay: 3, usedLast24h: 3, nextFreeAtMs: day });
    assert.equal(budget.allows(day), true, 'the first write left the window');
    budget.setPerDay(10);
    assert.deepEqual(budget.report(day), { perDay: 10, usedLast24h: 2 });
    assert.throws(() => new WriteBudget(0), RangeError);
  });
});
