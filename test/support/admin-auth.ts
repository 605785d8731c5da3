/**
 * Test support: Node-RED's adminAuth in a real runtime — the users of the auth suites (an admin
 * with every permission, a read-only viewer), a bcrypt hash of their password, and a login that
 * gives a bearer token.
 */
import assert from 'node:assert/strict';

const bcrypt = require('bcryptjs') as { hashSync(pw: string, rounds: number): string };

export const USER_PASSWORD = 'Test-pass-1';

/** A bcrypt hash of a password (default {@link USER_PASSWORD}) for settings.adminAuth. */
export function passwordHash(password = USER_PASSWORD): string {
  return bcrypt.hashSync(password, 8);
}

/** settings.js of a runtime with two users: `admin` (permissions `*`) and `viewer` (`read`). */
export function adminViewerSettings(password = USER_PASSWORD): string {
  const hash = passwordHash(password);
  return JSON.stringify({
    adminAuth: {
      type: 'credentials',
      users: [
        { username: 'admin', password: hash, permissions: '*' },
        { username: 'viewer', password: hash, permissions: 'read' },
      ],
    },
  });
}

/** A bearer token of an adminAuth user (scope `*` unless given). */
export async function login(
  rt: { url: string },
  username: string,
  scope = '*',
  password = USER_PASSWORD,
): Promise<string> {
  const r = await fetch(`${rt.url}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }),
  });
  assert.equal(r.status, 200, `login ${username}`);
  return ((await r.json()) as { access_token: string }).access_token;
}
