/**
 * Every example ships at the current flow schema: each pack node in examples/*.json carries its type's
 * latest `version` and every key of its defaults, so that opening its dialog and pressing Done (or a
 * deploy, or an export) changes nothing — the editor round trip (test/editor/roundtrip.test.ts) checks the
 * same through the browser, this test says which example lags without one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { latestVersion } from '../../nodes/shared/migrate';
import type { NodeTypeSpec } from '../../nodes/shared/register';
import { CZ_CONNECTION_NODE } from '../../nodes/cz-connection/model';
import { CZ_MAP_NODE } from '../../nodes/cz-map-document/model';
import { CZ_SEND_NODE } from '../../nodes/cz-send/model';
import { CZ_STATUS_NODE } from '../../nodes/cz-status/model';
import { EDO_INCOMING_NODE } from '../../nodes/edo-incoming/model';
import { EDO_SEND_NODE } from '../../nodes/edo-send/model';
import { EDO_STATUS_NODE } from '../../nodes/edo-status/model';
import { ONEC_CONNECTION_NODE } from '../../nodes/onec-connection/model';
import { ONEC_READ_NODE } from '../../nodes/onec-read/model';
import { ONEC_WRITE_NODE } from '../../nodes/onec-write/model';
import { SUZ_ORDER_NODE } from '../../nodes/suz-order/model';
import { SUZ_REPORT_NODE } from '../../nodes/suz-report/model';

const SPECS: NodeTypeSpec[] = [
  CZ_CONNECTION_NODE,
  CZ_MAP_NODE,
  CZ_SEND_NODE,
  CZ_STATUS_NODE,
  EDO_INCOMING_NODE,
  EDO_SEND_NODE,
  EDO_STATUS_NODE,
  ONEC_CONNECTION_NODE,
  ONEC_READ_NODE,
  ONEC_WRITE_NODE,
  SUZ_ORDER_NODE,
  SUZ_REPORT_NODE,
];

const dir = path.join(__dirname, '..', '..', 'examples');
const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('examples ship at the current flow schema', () => {
  it('covers every node type the pack registers', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      'node-red': { nodes: Record<string, string> };
    };
    assert.deepEqual(SPECS.map((s) => s.type).sort(), Object.keys(pkg['node-red'].nodes).sort());
  });

  for (const file of examples) {
    it(file, () => {
      const nodes = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Array<
        Record<string, unknown>
      >;
      const lagging: string[] = [];
      for (const n of nodes) {
        const spec = SPECS.find((s) => s.type === n['type']);
        if (!spec) continue;
        const latest = latestVersion(spec.migrations);
        if (n['version'] !== latest)
          lagging.push(`${String(n['id'])} (${spec.type}): version ${String(n['version'])} → ${latest}`);
        for (const key of Object.keys(spec.defaults)) {
          if (!(key in n)) lagging.push(`${String(n['id'])} (${spec.type}): no «${key}»`);
        }
      }
      assert.deepEqual(lagging, []);
    });
  }
});
