/** mltrain doctor's tensor-module checks: built, and loading into a real redis-server. */
import { tensorModuleChecks } from '../../lib/cli/commands/doctor';
import { ensureTensorModule } from '../../lib/stores/tensor-module';

it('reports the module built and loading, with a TENSORSET/TENSORGET round trip', async () => {
  const path = ensureTensorModule();
  expect(await tensorModuleChecks()).toEqual([
    { name: 'tensor module built', ok: true, optional: true, detail: path },
    { name: 'tensor module loads', ok: true, optional: true, detail: 'redis-server loaded it; AI.TENSORSET / AI.TENSORGET round trip exact' },
  ]);
});
