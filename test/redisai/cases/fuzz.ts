/**
 * Seeded randomized test of the argument parsers: valid calls of every command, mutated (tokens
 * replaced, dropped, inserted, duplicated, swapped, cut short) into mostly malformed ones, sent to
 * a real server. Each call must be refused with a well-formed error and leave the dataset exactly
 * as it was, or succeed and change nothing but its own key; the server must stay up throughout.
 */
import type Redis from 'ioredis';
import { createRng, type Rng } from '../../../lib/ml/random';
import { encodeTensor } from '../../../lib/ml/tensor';
import { startTensorServer, type ModuleBuild } from '../helpers';

// Small, so that any random shape the fuzzer hits stays cheap to allocate.
const MAX_ELEMENTS = 4096;
const KEYS = ['f:a', 'f:b', 'f:c', 'f:nan', 'f:str', 'f:none'];
const WRITES = new Set(['AI.TENSORSET', 'AI.TENSORREDUCE', 'AI.MODELUPDATE']);
const TOKENS = [
  '', '0', '1', '2', '3', '4', '6', '-1', '1.5', '0.1', '-0', '1e39', '1e-50', 'nan', 'inf', '-inf', 'Infinity',
  '99999999999999999999', '4294967296', '4096', '4097', '65536', ' 1', '1 ', '0x10', '+1',
  'FLOAT', 'float', 'DOUBLE', 'INT8', 'BLOB', 'blob', 'VALUES', 'META', 'MEAN', 'SUM', 'MEDIAN', 'median', 'TRIMMEAN', 'AVG',
  ...KEYS,
];
type Arg = string | Buffer;

async function seedKeyspace(redis: Redis): Promise<void> {
  await redis.call('FLUSHALL');
  const tensors: [string, number[], number[]][] = [
    ['f:a', [2, 2], [1, 2, 3, 4]],
    ['f:b', [4], [0.5, -0.5, 0.25, 8]],
    ['f:c', [3, 2], [1, 1, 2, 3, 5, 8]],
    ['f:nan', [4], [1, NaN, 3, Infinity]],
  ];
  for (const [key, shape, values] of tensors) {
    await redis.call('AI.TENSORSET', key, 'FLOAT', ...shape.map(String), 'BLOB', encodeTensor(new Float32Array(values)));
  }
  await redis.call('SET', 'f:str', 'not a tensor');
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function randomToken(rng: Rng): Arg {
  const r = rng.next();
  if (r < 0.85) return pick(rng, TOKENS);
  if (r < 0.92) return Buffer.from(Array.from({ length: rng.int(40) }, () => rng.int(256)));
  // A blob of whole floats, some of them NaN or infinite.
  const floats = Float32Array.from({ length: rng.int(9) }, () => pick(rng, [0, 1, -2.5, 1e-40, NaN, Infinity, 3.25]));
  return encodeTensor(floats);
}

function randomCall(rng: Rng): Arg[] {
  const key = () => pick(rng, KEYS);
  const shape = () => Array.from({ length: 1 + rng.int(3) }, () => pick(rng, ['1', '2', '2', '3', '4', '6']));
  switch (rng.int(4)) {
    case 0: {
      const dims = shape();
      const count = dims.reduce((n, d) => n * Number(d), 1);
      const data: Arg[][] = [[], ['BLOB', encodeTensor(new Float32Array(count).fill(1.5))], ['VALUES', ...Array.from({ length: count }, (_, i) => String(i / 4))]];
      return ['AI.TENSORSET', key(), 'FLOAT', ...dims, ...pick(rng, data)];
    }
    case 1:
      return ['AI.TENSORGET', key(), ...pick(rng, [[], ['META'], ['BLOB'], ['VALUES'], ['META', 'BLOB'], ['META', 'VALUES']])];
    case 2:
      return ['AI.MODELUPDATE', key(), pick(rng, ['0.1', '1', '-0.5', '1e-3']), key()];
    default: {
      const op = pick(rng, [['MEAN'], ['SUM'], ['MEDIAN'], ['TRIMMEAN', String(rng.int(3))]]);
      return ['AI.TENSORREDUCE', key(), ...op, ...Array.from({ length: 1 + rng.int(5) }, key)];
    }
  }
}

/** 0 to 3 random edits; the command name itself is left alone. */
function mutate(rng: Rng, call: Arg[]): Arg[] {
  const args = [...call];
  const at = () => 1 + rng.int(Math.max(args.length - 1, 1));
  for (let edits = rng.int(4); edits > 0; edits--) {
    switch (rng.int(6)) {
      case 0: args[at()] = randomToken(rng); break;
      case 1: if (args.length > 1) args.splice(at(), 1); break;
      case 2: args.splice(at(), 0, randomToken(rng)); break;
      case 3: { const i = at(); if (i < args.length) args.splice(i, 0, args[i]); break; }
      case 4: { const i = at(); const j = at(); if (i < args.length && j < args.length) [args[i], args[j]] = [args[j], args[i]]; break; }
      default: args.length = Math.max(1, rng.int(args.length + 1));
    }
  }
  return args;
}

function describeCall(args: Arg[]): string {
  return args.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : JSON.stringify(a))).join(' ');
}

interface Outcome {
  reply: unknown;
  digestBefore: string;
  digestAfter: string;
  valuesBefore: string[];
  valuesAfter: string[];
}

/** Digests before, the call, digests after: one pipeline, so nothing else runs in between. */
async function callWithDigests(redis: Redis, args: Arg[]): Promise<Outcome> {
  const [command, ...rest] = args;
  const results = await redis
    .pipeline()
    .call('DEBUG', 'DIGEST')
    .call('DEBUG', 'DIGEST-VALUE', ...KEYS)
    .call(String(command), ...rest)
    .call('DEBUG', 'DIGEST')
    .call('DEBUG', 'DIGEST-VALUE', ...KEYS)
    .exec();
  if (!results) throw new Error('pipeline returned nothing');
  const [[, digestBefore], [, valuesBefore], [error, reply], [, digestAfter], [, valuesAfter]] = results;
  return {
    reply: error ?? reply,
    digestBefore: digestBefore as string,
    digestAfter: digestAfter as string,
    valuesBefore: valuesBefore as string[],
    valuesAfter: valuesAfter as string[],
  };
}

/** What the call broke, or undefined. */
function violation(args: Arg[], outcome: Outcome): string | undefined {
  const { reply } = outcome;
  if (reply instanceof Error) {
    if (!/^(ERR|WRONGTYPE) /.test(reply.message)) return `malformed error '${reply.message}'`;
    if (outcome.digestAfter !== outcome.digestBefore) return `refused with '${reply.message}' but changed the dataset`;
    return undefined;
  }
  if (!WRITES.has(String(args[0]).toUpperCase())) {
    return outcome.digestAfter !== outcome.digestBefore ? 'a read changed the dataset' : undefined;
  }
  if (reply !== 'OK') return `unexpected reply ${JSON.stringify(reply)}`;
  const changed = KEYS.filter((key, i) => key !== args[1] && outcome.valuesAfter[i] !== outcome.valuesBefore[i]);
  return changed.length ? `succeeded but changed ${changed.join(', ')} besides its own key` : undefined;
}

export function describeArgumentFuzz(build: ModuleBuild, iterations: number, seed = 20261121): void {
  describe(`argument fuzzing (${build} build)`, () => {
    it(`${iterations} random and malformed calls (seed ${seed}): refused without a change, or changing only their own key`, async () => {
      const t = await startTensorServer({ build, moduleArgs: ['MAX_ELEMENTS', String(MAX_ELEMENTS)] });
      const rng = createRng(seed);
      const violations: string[] = [];
      const replies = { ok: 0, refused: 0, read: 0 };
      try {
        for (let i = 0; i < iterations; i++) {
          if (i % 100 === 0) await seedKeyspace(t.redis);
          const args = rng.next() < 0.15 ? randomCall(rng) : mutate(rng, randomCall(rng));
          const outcome = await callWithDigests(t.redis, args);
          const problem = violation(args, outcome);
          if (problem) violations.push(`#${i} ${describeCall(args)}: ${problem}`);
          if (outcome.reply instanceof Error) replies.refused++;
          else if (WRITES.has(String(args[0]))) replies.ok++;
          else replies.read++;
        }
        expect(violations).toEqual([]);
        // The mix really exercised both paths.
        expect(replies.refused).toBeGreaterThan(iterations * 0.3);
        expect(replies.ok).toBeGreaterThan(iterations * 0.05);
        expect(await t.redis.call('INFO', 'server')).toContain(`process_id:${t.server.pid}\r\n`);
      } finally {
        expect(await t.stop()).toEqual([]);
      }
    }, 120_000);
  });
}
