/**
 * What a client written for RedisAI meets: RedisAI's refusal texts for RedisAI's own calls (its
 * tensor tests, FLOAT only), 0-dimension scalar tensors, and repeated AI.TENSORGET options. Each
 * refusal starts with RedisAI's text; where the module says more, the detail follows in brackets.
 */
import type Redis from 'ioredis';
import { encodeTensor } from '../../../lib/ml/tensor';
import { datasetDigest, send, sendBuffer, startTensorServer, type ModuleBuild, type TensorServer } from '../helpers';

/** RedisAI's text for a refused call: the whole reply, or its start followed by " (detail)". */
function expectRedisAIText(reply: unknown, text: string): void {
  expect(reply).toBeInstanceOf(Error);
  // None of RedisAI's texts ends in a bracket, so a trailing one is our detail.
  expect((reply as Error).message.replace(/ \(.*\)$/s, '')).toBe(text);
}

// [call, RedisAI's reply]: the FLOAT cases of RedisAI's tensor error tests, and an invalid value.
const REDISAI_REFUSALS: [(string | Buffer)[], string][] = [
  [['AI.TENSORSET', 'z', 'INT128', '2', 'VALUES', '2', '3'], 'ERR invalid data type'],
  [['AI.TENSORSET', 'z', 'FLOAT', '-1', 'VALUES', '2', '3'], 'ERR invalid or negative value found in tensor shape'],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'not_a_number', 'VALUES', '2', '3'], 'ERR invalid or negative value found in tensor shape'],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'VALUES', '2', 'A'], 'ERR invalid value'],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'VALUES', '1'], "ERR wrong number of values was given in 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'VALUES', '1', '2', '3'], "ERR wrong number of values was given in 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'BLOB', '\x00', 'extra-argument'], "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'z', 'FLOAT', '2', 'BLOB'], "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'z', 'FLOAT', '1', '1', '28', '280', 'BLOB', Buffer.alloc(784 * 4)], 'ERR data length does not match tensor shape and type'],
  [['AI.TENSORSET'], "ERR wrong number of arguments for 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'z', 'FLOAT'], "ERR wrong number of arguments for 'AI.TENSORSET' command"],
  [['AI.TENSORSET', 'text', 'INT32', '2', 'unsupported', '2', '3'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['AI.TENSORGET'], "ERR wrong number of arguments for 'AI.TENSORGET' command"],
  [['AI.TENSORGET', 't', 'META', 'VALUES', 'extra-arg'], "ERR wrong number of arguments for 'AI.TENSORGET' command"],
  [['AI.TENSORGET', 'empty'], 'ERR tensor key is empty or in a different shard'],
  [['AI.TENSORGET', 'text', 'unsupported'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['AI.TENSORGET', 't', 'unsupported_format'], 'ERR unsupported data format'],
  [['AI.TENSORGET', 't', 'BLOB', 'VALUES'], 'ERR both BLOB and VALUES specified'],
];

export function describeRedisAICompatibility(build: ModuleBuild): void {
  describe(`RedisAI compatibility (${build} build)`, () => {
    let t: TensorServer;
    let redis: Redis;

    beforeAll(async () => {
      t = await startTensorServer({ build });
      redis = t.redis;
      expect(await send(redis, 'AI.TENSORSET', 't', 'FLOAT', '2', 'VALUES', '1', '1')).toBe('OK');
      expect(await send(redis, 'SET', 'text', 'value')).toBe('OK');
    });
    afterAll(async () => {
      expect(await t.stop()).toEqual([]);
    });

    const cases = REDISAI_REFUSALS.map(([call, text]) => [call.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : a)).join(' '), call, text] as const);
    it.each(cases)("refuses '%s' in RedisAI's words, changing nothing", async (_, call, text) => {
      const before = await datasetDigest(redis);
      expectRedisAIText(await send(redis, String(call[0]), ...call.slice(1)), text);
      expect(await datasetDigest(redis)).toBe(before);
    });

    it('stores a 0-dimension scalar given no shape, and returns an empty shape', async () => {
      expect(await send(redis, 'AI.TENSORSET', 's:a', 'FLOAT', 'VALUES', '1.5')).toBe('OK');
      expect(await send(redis, 'AI.TENSORGET', 's:a', 'META')).toEqual(['dtype', 'FLOAT', 'shape', []]);
      expect(await send(redis, 'AI.TENSORGET', 's:a', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [], 'values', ['1.5']]);
      expect(await sendBuffer(redis, 'AI.TENSORGET', 's:a', 'BLOB')).toEqual(encodeTensor(new Float32Array([1.5])));
      expect(await send(redis, 'AI.TENSORSET', 's:b', 'float', 'blob', encodeTensor(new Float32Array([-2])))).toBe('OK');
      expect(await send(redis, 'AI.TENSORGET', 's:b', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [], 'values', ['-2']]);
      // A scalar holds exactly one value.
      expect(await send(redis, 'AI.TENSORSET', 's:c', 'FLOAT', 'VALUES')).toEqual(new Error("ERR wrong number of values was given in 'AI.TENSORSET' command (expected 1, got 0)"));
      expect(await send(redis, 'AI.TENSORSET', 's:c', 'FLOAT', 'BLOB', Buffer.alloc(8))).toEqual(new Error('ERR data length does not match tensor shape and type (expected 4 bytes, got 8)'));
      expect(await send(redis, 'EXISTS', 's:c')).toBe(0);
      // The other commands take it like any one-element tensor; a reduce keeps its empty shape.
      expect(await send(redis, 'AI.MODELUPDATE', 's:a', '0.5', 's:b')).toBe('OK');
      expect(await send(redis, 'AI.TENSORGET', 's:a', 'VALUES')).toEqual(['2.5']);
      expect(await send(redis, 'AI.TENSORREDUCE', 's:mean', 'MEAN', 's:a', 's:b')).toBe('OK');
      expect(await send(redis, 'AI.TENSORGET', 's:mean', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [], 'values', ['0.25']]);
    });

    it('keeps a scalar a scalar through DUMP/RESTORE and DEBUG RELOAD, distinct from shape [1]', async () => {
      expect(await send(redis, 'AI.TENSORSET', 'r:scalar', 'FLOAT', 'VALUES', '7')).toBe('OK');
      expect(await send(redis, 'AI.TENSORSET', 'r:one', 'FLOAT', '1', 'VALUES', '7')).toBe('OK');
      const [scalarDigest, oneDigest] = (await send(redis, 'DEBUG', 'DIGEST-VALUE', 'r:scalar', 'r:one')) as string[];
      expect(scalarDigest).not.toBe(oneDigest);
      expect(await send(redis, 'RESTORE', 'r:copy', 0, (await redis.callBuffer('DUMP', 'r:scalar')) as Buffer)).toBe('OK');
      expect(await send(redis, 'DEBUG', 'RELOAD')).toBe('OK');
      for (const key of ['r:scalar', 'r:copy']) {
        expect(await send(redis, 'AI.TENSORGET', key, 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [], 'values', ['7']]);
      }
      expect(await send(redis, 'AI.TENSORGET', 'r:one', 'META')).toEqual(['dtype', 'FLOAT', 'shape', [1]]);
    });

    it('takes a repeated AI.TENSORGET option as given once', async () => {
      expect(await send(redis, 'AI.TENSORGET', 't', 'META', 'meta')).toEqual(['dtype', 'FLOAT', 'shape', [2]]);
      expect(await send(redis, 'AI.TENSORGET', 't', 'VALUES', 'VALUES')).toEqual(['1', '1']);
      expect(await sendBuffer(redis, 'AI.TENSORGET', 't', 'BLOB', 'BLOB')).toEqual(encodeTensor(new Float32Array([1, 1])));
    });
  });
}
