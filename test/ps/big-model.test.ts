import { startServers, type ServerSet } from '../../lib/local/servers';
import { createOptimizer } from '../../lib/ml/optimizers';
import { meanOf } from '../../lib/ml/tensor';
import { ParameterServerClient } from '../../lib/ps/client';
import { readParameterServerEnvironment } from '../../lib/ps/environment';
import { MAX_PARAMS } from '../../lib/ps/proto';
import { bigTensor, RESNET18_PARAMS } from '../stores/big-tensors';

// ResNet-18's 11.2 M parameters (44.7 MB messages, over gRPC's default 4 MB limit) through the
// real parameter server process: a worker registers, pushes and pulls, and gets the server's
// update bit for bit as computed here.

let set: ServerSet;
const clients: ParameterServerClient[] = [];
beforeAll(async () => {
  set = await startServers(['parameter-server'], {});
  clients.push(new ParameterServerClient({ ...readParameterServerEnvironment(set.env), callTimeoutMs: 300_000 }));
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await set?.stop();
});

test('registers, pushes and pulls an 11.2 M-parameter model intact', async () => {
  const optimizer = { kind: 'sgd', lr: 0.1, momentum: 0.9, weight_decay: 0 };
  const initial = bigTensor(RESNET18_PARAMS, 1);
  const grads = [bigTensor(RESNET18_PARAMS, 2)];
  for (const [rank, c] of clients.entries()) await c.register({ runId: 'big-model', rank, numWorkers: 1, optimizer, initialParams: initial });
  const waiting = clients[0].pull('big-model', 0, 1, 300_000, RESNET18_PARAMS);
  await Promise.all(clients.map((c, rank) => c.push('big-model', rank, 0, grads[rank])));
  const pulled = await waiting;

  const expected = Float32Array.from(initial);
  createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }, RESNET18_PARAMS).step(expected, meanOf(grads));
  expect(pulled.version).toBe(1);
  expect(Buffer.from(pulled.params.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  expect(await clients[0].delete('big-model')).toBe(true);
}, 600_000);

test('a model above the server\'s limit is refused before anything is sent, naming the limit', async () => {
  const tooBig = new Float32Array(MAX_PARAMS + 1);
  await expect(clients[0].push('big-model', 0, 0, tooBig)).rejects.toThrow(
    'a gradient of 16000001 float32 values (64.0 MB) is more than the parameter server takes: at most 16000000 values (64 MB, MAX_PARAMS in lib/ps/proto.ts)',
  );
});
