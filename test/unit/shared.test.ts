import assert from 'node:assert/strict';
import { z } from 'zod';
import { ZnakFlowError, toZnakFlowError, validationError, detail } from '../../lib/errors';
import { redact, registerSecret, forgetSecret } from '../../lib/redact';
import { bi, parseOrThrow } from '../../lib/validation';
import { expandEnv, missingEnv } from '../../nodes/shared/env';
import {
  configVersion,
  fillDefaults,
  latestVersion,
  migrate,
  type Migration,
} from '../../nodes/shared/migrate';
import { StatusHelper } from '../../nodes/shared/status';
import type { NodeStatus } from '../../nodes/shared/types';

describe('nodes/shared', () => {
  describe('env', () => {
    it('expands ${VAR} inside a longer value and leaves unknown ones visible', () => {
      const env: Record<string, string> = { HOST: '10.0.0.5', BASE: 'ut' };
      assert.equal(
        expandEnv('http://${HOST}/${BASE}', (n) => env[n]),
        'http://10.0.0.5/ut',
      );
      assert.equal(
        expandEnv('http://${NOPE}/x', (n) => env[n]),
        'http://${NOPE}/x',
      );
      assert.deepEqual(
        missingEnv('${A}-${HOST}', (n) => env[n]),
        ['A'],
      );
    });
  });

  describe('migrate', () => {
    const chain: Migration[] = [
      fillDefaults({ timeout: 30000, mode: 'query' }),
      { to: 2, up: (c) => ({ ...c, entity: c['entitySet'], entitySet: undefined }) },
    ];
    it('treats a config without version as version 0 and runs every step in order', () => {
      const out = migrate({ entitySet: 'Document_X' }, chain);
      assert.equal(out['version'], 2);
      assert.equal(out['timeout'], 30000);
      assert.equal(out['mode'], 'query');
      assert.equal(out['entity'], 'Document_X');
    });
    it('skips steps already applied and keeps user values', () => {
      const out = migrate({ version: 1, timeout: 5000, entitySet: 'A' }, chain);
      assert.equal(out['timeout'], 5000);
      assert.equal(out['entity'], 'A');
      assert.equal(configVersion({ version: 'x' }), 0);
      assert.equal(latestVersion(chain), 2);
    });
  });

  describe('StatusHelper', () => {
    it('counts requests in flight, keeps an error until the next success', () => {
      const seen: NodeStatus[] = [];
      const s = new StatusHelper(
        { status: (st: NodeStatus) => seen.push(st) },
        (k, v) => `${k}${v ? JSON.stringify(v) : ''}`,
      );
      s.begin();
      s.begin();
      assert.equal(s.busy, 2);
      assert.match(seen.at(-1)?.text ?? '', /×2/);
      s.failure('znakflow.status.error', { code: 'X' });
      assert.equal(seen.at(-1)?.fill, 'red');
      s.set('green', 'dot', 'idle');
      assert.equal(seen.at(-1)?.fill, 'red', 'a steady state does not hide an error');
      s.success('done');
      assert.equal(s.busy, 0);
      assert.deepEqual(seen.at(-1), { fill: 'green', shape: 'dot', text: 'done' });
      assert.equal(s.hasError, false);
    });
  });

  describe('errors and validation', () => {
    it('carries both languages, the field and the code', () => {
      const e = new ZnakFlowError({ code: 'X', field: 'url', ru: 'плохо', en: 'bad', status: 400 });
      assert.equal(e.message, 'url: плохо / bad [HTTP 400]');
      assert.equal(e.toJSON()['code'], 'X');
      assert.equal(toZnakFlowError(new Error('boom')).code, 'INTERNAL');
    });
    it('parseOrThrow lists every problem with its path', () => {
      const schema = z.object({
        a: z.string().min(2, bi('коротко', 'too short')),
        b: z.object({ c: z.number() }),
      });
      try {
        parseOrThrow(schema, { a: 'x', b: { c: 'no' } });
        assert.fail('should throw');
      } catch (err) {
        assert.ok(err instanceof ZnakFlowError);
        assert.equal(err.details?.length, 2);
        assert.deepEqual(
          err.details?.map((d) => d.path),
          ['a', 'b.c'],
        );
        assert.match(err.message, /a: коротко/);
        assert.match(err.message, /b\.c: wrong value type/);
      }
      assert.equal(validationError([detail('x', 'C', 'р', 'e')]).field, 'x');
    });
  });

  describe('redact', () => {
    it('masks registered secrets', () => {
      registerSecret('s3cr3t-pass');
      assert.equal(redact('login failed for s3cr3t-pass!'), 'login failed for ***!');
      forgetSecret('s3cr3t-pass');
      assert.equal(redact('s3cr3t-pass'), 's3cr3t-pass');
    });
  });
});
