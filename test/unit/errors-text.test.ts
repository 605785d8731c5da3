import assert from 'node:assert/strict';
import { ZnakFlowError } from '../../lib/errors';
import { OnecClient } from '../../lib/onec/client';

describe('error texts stay short whatever a message names', () => {
  it('a huge field name (a hostile entity set) is cut in the text and kept whole in `field`', () => {
    const field = 'Ж'.repeat(16000);
    const err = new ZnakFlowError({ code: 'X', field, ru: 'плохо', en: 'bad' });
    assert.ok(err.message.length < 200, `text of ${err.message.length} characters`);
    assert.match(err.message, /^Ж+…: плохо \/ bad$/);
    assert.equal(err.field, field);
  });

  it('the 1C client refuses an over-long URL with a short text (seed 838013153 of the hostile e2e)', async () => {
    const client = new OnecClient({
      url: 'http://127.0.0.1:9/base',
      username: 'u',
      password: 'p',
    });
    try {
      await assert.rejects(
        client.list('Document_' + 'Ж'.repeat(16000), { top: 1 }),
        (err: unknown) =>
          err instanceof ZnakFlowError && err.code === 'ONEC_URL_TOO_LONG' && err.message.length < 400,
      );
    } finally {
      await client.close();
    }
  });
});
