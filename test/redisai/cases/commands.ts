/**
 * Every command of the tensor module through a real redis-server: replies in RedisAI's layout,
 * float32 results equal to a TypeScript reference bit for bit, every refused call leaving the
 * dataset as it was, and the data type behaving like a Redis type. Run against the release build
 * (commands.test.ts) and the AddressSanitizer build (asan.test.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type Redis from 'ioredis';
import { createOptimizer } from '../../../lib/ml/optimizers';
import { createRng } from '../../../lib/ml/random';
import { decodeTensor, encodeTensor, meanOf } from '../../../lib/ml/tensor';
import { datasetDigest, expectSameBits, randomTensor, send, sendBuffer, startTensorServer, type ModuleBuild, type TensorServer } from '../helpers';
import { medianOf, sgdReference, sumOf, trimmedMeanOf } from './reference';

const run = promisify(execFile);
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export function describeTensorCommands(build: ModuleBuild): void {
  describe(`tensor module commands (${build} build)`, () => {
    let t: TensorServer;
    let redis: Redis;

    beforeAll(async () => {
      t = await startTensorServer({ build });
      redis = t.redis;
    });
    afterAll(async () => {
      // Under AddressSanitizer: no memory error, no undefined behaviour, no leak at exit.
      expect(await t.stop()).toEqual([]);
    });

    async function setTensor(key: string, values: Float32Array, shape: number[] = [values.length]): Promise<void> {
      expect(await send(redis, 'AI.TENSORSET', key, 'FLOAT', ...shape, 'BLOB', encodeTensor(values))).toBe('OK');
    }

    async function getTensor(key: string): Promise<Float32Array> {
      return decodeTensor((await redis.callBuffer('AI.TENSORGET', key, 'BLOB')) as Buffer);
    }

    /** The call is refused with this message and the dataset (keys, values, expiries) is unchanged. */
    async function expectRefused(args: (string | number | Buffer)[], message: string | RegExp): Promise<void> {
      const before = await datasetDigest(redis);
      const reply = await send(redis, String(args[0]), ...args.slice(1));
      expect(reply).toBeInstanceOf(Error);
      if (typeof message === 'string') expect((reply as Error).message).toBe(message);
      else expect((reply as Error).message).toMatch(message);
      expect(await datasetDigest(redis)).toBe(before);
    }

    describe('AI.TENSORSET and AI.TENSORGET', () => {
      it("answers redis-cli's example in RedisAI's layout", async () => {
        const cli = (...args: string[]) => run('redis-cli', ['-p', String(t.server.port), '--no-raw', ...args]).then((r) => r.stdout);
        expect(await cli('AI.TENSORSET', 'cli:t', 'FLOAT', '2', '2', 'VALUES', '1', '2', '3', '4')).toBe('OK\n');
        expect(await cli('AI.TENSORGET', 'cli:t', 'META', 'VALUES')).toBe(
          ['1) "dtype"', '2) "FLOAT"', '3) "shape"', '4) 1) (integer) 2', '   2) (integer) 2', '5) "values"', '6) 1) "1"', '   2) "2"', '   3) "3"', '   4) "4"', ''].join('\n'),
        );
        expect(await cli('AI.TENSORGET', 'cli:t', 'META', 'BLOB')).toBe(
          ['1) "dtype"', '2) "FLOAT"', '3) "shape"', '4) 1) (integer) 2', '   2) (integer) 2', '5) "blob"', '6) "\\x00\\x00\\x80?\\x00\\x00\\x00@\\x00\\x00@@\\x00\\x00\\x80@"', ''].join('\n'),
        );
        // SPIRT's step, exactly in float32: params - lr * grads.
        expect(await cli('AI.TENSORSET', 'cli:g', 'FLOAT', '4', 'VALUES', '0.1', '0.2', '0.3', '0.4')).toBe('OK\n');
        expect(await cli('AI.MODELUPDATE', 'cli:t', '0.5', 'cli:g')).toBe('OK\n');
        const expected = sgdReference(new Float32Array([1, 2, 3, 4]), 0.5, new Float32Array([0.1, 0.2, 0.3, 0.4]));
        expect(Array.from(expected)).toEqual([0.949999988079071, 1.899999976158142, 2.8499999046325684, 3.799999952316284]);
        expect(await cli('AI.TENSORGET', 'cli:t', 'VALUES')).toBe('1) "0.95"\n2) "1.9"\n3) "2.85"\n4) "3.8"\n');
        expectSameBits(await getTensor('cli:t'), expected);
      });

      it('gives META, BLOB, VALUES alone or combined, META BLOB by default, keywords in any case', async () => {
        await setTensor('get:t', new Float32Array([1.5, -2, 0.25, 8, 0, 3, 7, 9, 11, 13, 17, 19]), [2, 3, 2]);
        const meta = ['dtype', 'FLOAT', 'shape', [2, 3, 2]];
        expect(await send(redis, 'AI.TENSORGET', 'get:t', 'META')).toEqual(meta);
        expect(await send(redis, 'ai.tensorget', 'get:t', 'meta')).toEqual(meta);
        expect(await send(redis, 'AI.TENSORGET', 'get:t', 'VALUES')).toEqual(['1.5', '-2', '0.25', '8', '0', '3', '7', '9', '11', '13', '17', '19']);
        expect(await send(redis, 'AI.TENSORGET', 'get:t', 'values', 'META')).toEqual([...meta, 'values', ['1.5', '-2', '0.25', '8', '0', '3', '7', '9', '11', '13', '17', '19']]);
        const blob = encodeTensor(new Float32Array([1.5, -2, 0.25, 8, 0, 3, 7, 9, 11, 13, 17, 19]));
        expect(await sendBuffer(redis, 'AI.TENSORGET', 'get:t', 'BLOB')).toEqual(blob);
        const full = await sendBuffer(redis, 'AI.TENSORGET', 'get:t');
        expect(full).toEqual([Buffer.from('dtype'), Buffer.from('FLOAT'), Buffer.from('shape'), [2, 3, 2], Buffer.from('blob'), blob]);
        expect(await sendBuffer(redis, 'AI.TENSORGET', 'get:t', 'META', 'BLOB')).toEqual(full);
      });

      it('keeps every bit of a blob: signed zeros, subnormals, extremes, NaN payloads', async () => {
        const bits = new Uint32Array([0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00001, 0x3dcccccd]);
        const values = new Float32Array(bits.buffer);
        await setTensor('bits:t', values);
        expectSameBits(await getTensor('bits:t'), values);
      });

      it('prints VALUES as the shortest decimals that read back as the same float32', async () => {
        const values = new Float32Array([0.1, 1 / 3, -0, 1e-45, 3.4028234663852886e38, 16777217, -123.456]);
        await setTensor('short:t', values);
        const printed = (await send(redis, 'AI.TENSORGET', 'short:t', 'VALUES')) as string[];
        expect(printed.slice(0, 3)).toEqual(['0.1', '0.33333334', '-0']);
        printed.forEach((text, i) => expect(Object.is(Math.fround(Number(text)), values[i])).toBe(true));
      });

      it('parses VALUES as float32 (rounded like Math.fround) and fills zeros without data', async () => {
        expect(await send(redis, 'AI.TENSORSET', 'vals:t', 'float', '3', 'values', '0.1', '-1e-3', '16777217')).toBe('OK');
        expect(Array.from(await getTensor('vals:t'))).toEqual([Math.fround(0.1), Math.fround(-1e-3), 16777216]);
        expect(await send(redis, 'AI.TENSORSET', 'zeros:t', 'FLOAT', '2', '3')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'zeros:t', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [2, 3], 'values', ['0', '0', '0', '0', '0', '0']]);
      });

      it('overwrites a tensor with a new shape and clears its expiry, as SET does', async () => {
        await setTensor('over:t', new Float32Array([1, 2, 3, 4]));
        expect(await send(redis, 'EXPIRE', 'over:t', 1000)).toBe(1);
        await setTensor('over:t', new Float32Array([5, 6]), [1, 2]);
        expect(await send(redis, 'AI.TENSORGET', 'over:t', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [1, 2], 'values', ['5', '6']]);
        expect(await send(redis, 'TTL', 'over:t')).toBe(-1);
      });
    });

    describe('AI.MODELUPDATE', () => {
      it('computes params - lr * grads in float32, bit for bit like the TypeScript SGD optimiser', async () => {
        const rng = createRng(11);
        const params = randomTensor(rng, 10_007);
        const grads = randomTensor(rng, 10_007);
        await setTensor('mu:p', params, [10_007]);
        await setTensor('mu:g', grads);
        expect(await send(redis, 'AI.MODELUPDATE', 'mu:p', '0.05', 'mu:g')).toBe('OK');
        const expected = sgdReference(params, 0.05, grads);
        expectSameBits(await getTensor('mu:p'), expected);
        // The product's own optimiser (plain SGD) takes exactly the same step.
        const viaOptimizer = params.slice();
        createOptimizer({ kind: 'sgd', lr: 0.05 }, params.length).step(viaOptimizer, grads);
        expectSameBits(viaOptimizer, expected);
        // Repeated steps keep agreeing (no drift from a wider intermediate kept between steps).
        for (const lr of ['1e-3', '-0.25', '0', '3']) {
          expect(await send(redis, 'AI.MODELUPDATE', 'mu:p', lr, 'mu:g')).toBe('OK');
          expected.set(sgdReference(expected, Number(lr), grads));
        }
        expectSameBits(await getTensor('mu:p'), expected);
      });

      it('keeps the params shape, works with params as their own gradient, and replicates nothing on refusal', async () => {
        await setTensor('self:p', new Float32Array([2, 4, 6, 8, 10, 12]), [3, 2]);
        expect(await send(redis, 'AI.MODELUPDATE', 'self:p', '0.5', 'self:p')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'self:p', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [3, 2], 'values', ['1', '2', '3', '4', '5', '6']]);
        // Equal element counts suffice: a [6] gradient updates [3, 2] params.
        await setTensor('self:g', new Float32Array([1, 1, 1, 1, 1, 1]));
        expect(await send(redis, 'AI.MODELUPDATE', 'self:p', '1', 'self:g')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'self:p', 'VALUES')).toEqual(['0', '1', '2', '3', '4', '5']);
      });
    });

    describe('AI.TENSORREDUCE', () => {
      const rng = createRng(23);
      const sources = Array.from({ length: 7 }, () => randomTensor(rng, 5_003));

      beforeAll(async () => {
        for (const [i, v] of sources.entries()) await setTensor(`red:s${i}`, v);
      });
      const keys = (n: number) => Array.from({ length: n }, (_, i) => `red:s${i}`);

      it('MEAN equals lib/ml meanOf (float64 sums in source order, one rounding) bit for bit', async () => {
        for (const n of [1, 2, 4, 7]) {
          expect(await send(redis, 'AI.TENSORREDUCE', 'red:mean', 'MEAN', ...keys(n))).toBe('OK');
          expectSameBits(await getTensor('red:mean'), meanOf(sources.slice(0, n)));
        }
      });

      it('SUM, MEDIAN and TRIMMEAN equal their TypeScript references bit for bit', async () => {
        expect(await send(redis, 'AI.TENSORREDUCE', 'red:sum', 'sum', ...keys(7))).toBe('OK');
        expectSameBits(await getTensor('red:sum'), sumOf(sources));
        for (const n of [1, 2, 5, 6, 7]) {
          expect(await send(redis, 'AI.TENSORREDUCE', 'red:median', 'MEDIAN', ...keys(n))).toBe('OK');
          expectSameBits(await getTensor('red:median'), medianOf(sources.slice(0, n)));
        }
        for (const [n, k] of [[7, 0], [7, 1], [7, 3], [6, 2], [3, 1]]) {
          expect(await send(redis, 'AI.TENSORREDUCE', 'red:trim', 'TRIMMEAN', k, ...keys(n))).toBe('OK');
          expectSameBits(await getTensor('red:trim'), trimmedMeanOf(sources.slice(0, n), k));
        }
      });

      it('MEDIAN and TRIMMEAN on hand-made cases', async () => {
        // Per element: [1, 9, 5] → 5; [-4, -1, -3] → -3; [0.5, 0.5, 100] → 0.5.
        await setTensor('hand:a', new Float32Array([1, -4, 0.5]));
        await setTensor('hand:b', new Float32Array([9, -1, 0.5]));
        await setTensor('hand:c', new Float32Array([5, -3, 100]));
        expect(await send(redis, 'AI.TENSORREDUCE', 'hand:m', 'MEDIAN', 'hand:a', 'hand:b', 'hand:c')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'hand:m', 'VALUES')).toEqual(['5', '-3', '0.5']);
        // An even count: the mean of the two middle values. [1, 9, 5, 2] → (2 + 5) / 2.
        await setTensor('hand:d', new Float32Array([2, 7, -100]));
        expect(await send(redis, 'AI.TENSORREDUCE', 'hand:m', 'MEDIAN', 'hand:a', 'hand:b', 'hand:c', 'hand:d')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'hand:m', 'VALUES')).toEqual(['3.5', '-2', '0.5']);
        // One Byzantine peer sending huge values moves the mean, not the trimmed mean.
        const honest = [[1, -4, 0.5], [9, -1, 0.5], [5, -3, 100], [2, 7, -100]].map((v) => new Float32Array(v));
        const byzantine = new Float32Array([1e30, -1e30, 1e30]);
        await setTensor('hand:e', byzantine);
        const five = ['hand:a', 'hand:b', 'hand:c', 'hand:d', 'hand:e'];
        expect(await send(redis, 'AI.TENSORREDUCE', 'hand:t', 'TRIMMEAN', '1', ...five)).toBe('OK');
        // Sorted, one dropped at each end: [2, 5, 9], [-4, -3, -1], [0.5, 0.5, 100].
        expect(Array.from(await getTensor('hand:t'))).toEqual([16 / 3, -8 / 3, 101 / 3].map(Math.fround));
        expect(await send(redis, 'AI.TENSORREDUCE', 'hand:t', 'TRIMMEAN', '2', ...five)).toBe('OK');
        expect(Array.from(await getTensor('hand:t'))).toEqual([5, -3, 0.5]);
        expect(await send(redis, 'AI.TENSORREDUCE', 'hand:t', 'MEAN', ...five)).toBe('OK');
        const mean = await getTensor('hand:t');
        expectSameBits(mean, meanOf([...honest, byzantine]));
        expect(mean[0]).toBeGreaterThan(1e29);
      });

      it('sorts many sources too (beyond the insertion-sort size)', async () => {
        const many = Array.from({ length: 41 }, () => randomTensor(rng, 257));
        for (const [i, v] of many.entries()) await setTensor(`many:${i}`, v);
        const names = many.map((_, i) => `many:${i}`);
        expect(await send(redis, 'AI.TENSORREDUCE', 'many:median', 'MEDIAN', ...names)).toBe('OK');
        expectSameBits(await getTensor('many:median'), medianOf(many));
        expect(await send(redis, 'AI.TENSORREDUCE', 'many:trim', 'TRIMMEAN', '10', ...names.slice(0, 40))).toBe('OK');
        expectSameBits(await getTensor('many:trim'), trimmedMeanOf(many.slice(0, 40), 10));
      });

      it("writes dest in the first source's shape, may overwrite a source, and reports its keys", async () => {
        await setTensor('shape:a', new Float32Array([1, 2, 3, 4]), [2, 2]);
        await setTensor('shape:b', new Float32Array([3, 4, 5, 6]), [4]);
        expect(await send(redis, 'AI.TENSORREDUCE', 'shape:b', 'MEAN', 'shape:a', 'shape:b')).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'shape:b', 'META', 'VALUES')).toEqual(['dtype', 'FLOAT', 'shape', [2, 2], 'values', ['2', '3', '4', '5']]);
        expect(await send(redis, 'COMMAND', 'GETKEYS', 'AI.TENSORREDUCE', 'd', 'TRIMMEAN', '1', 'x', 'y', 'z')).toEqual(['d', 'x', 'y', 'z']);
        expect(await send(redis, 'COMMAND', 'GETKEYS', 'AI.TENSORREDUCE', 'd', 'MEDIAN', 'x', 'y')).toEqual(['d', 'x', 'y']);
        expect(await send(redis, 'COMMAND', 'GETKEYS', 'AI.MODELUPDATE', 'p', '0.1', 'g')).toEqual(['p', 'g']);
      });
    });

    describe('refusals: an error reply and an unchanged dataset', () => {
      beforeAll(async () => {
        await setTensor('err:p', new Float32Array([1, 2, 3, 4]), [2, 2]);
        await setTensor('err:g', new Float32Array([0.5, 0.5, 0.5, 0.5]));
        await setTensor('err:g6', new Float32Array(6).fill(1));
        await setTensor('err:gnan', new Float32Array([0.5, NaN, 0.5, 0.5]));
        await setTensor('err:ginf', new Float32Array([0.5, 0.5, 0.5, -Infinity]));
        await setTensor('err:dest', new Float32Array([7, 7, 7, 7]));
        expect(await send(redis, 'SET', 'err:str', 'text')).toBe('OK');
        expect(await send(redis, 'RPUSH', 'err:list', 'a')).toBe(1);
      });

      it('wrong arity', async () => {
        const arity = (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`;
        await expectRefused(['AI.TENSORSET', 'err:new', 'FLOAT'], arity('AI.TENSORSET'));
        await expectRefused(['AI.TENSORSET', 'err:new'], arity('AI.TENSORSET'));
        await expectRefused(['AI.TENSORGET'], arity('AI.TENSORGET'));
        await expectRefused(['AI.TENSORGET', 'err:p', 'META', 'BLOB', 'VALUES'], arity('AI.TENSORGET'));
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1'], arity('AI.MODELUPDATE'));
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:g', 'extra'], arity('AI.MODELUPDATE'));
        await expectRefused(['AI.TENSORREDUCE', 'err:dest'], arity('AI.TENSORREDUCE'));
      });

      it('a key of another type (WRONGTYPE), for every key argument', async () => {
        await expectRefused(['AI.TENSORSET', 'err:str', 'FLOAT', '1', 'VALUES', '1'], WRONGTYPE);
        await expectRefused(['AI.TENSORGET', 'err:list', 'META'], WRONGTYPE);
        // Before the arguments are looked at, as RedisAI does (its own test's calls).
        await expectRefused(['AI.TENSORSET', 'err:str', 'INT32', '2', 'unsupported', '2', '3'], WRONGTYPE);
        await expectRefused(['AI.TENSORGET', 'err:str', 'unsupported'], WRONGTYPE);
        await expectRefused(['AI.MODELUPDATE', 'err:str', '0.1', 'err:g'], WRONGTYPE);
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:list'], WRONGTYPE);
        await expectRefused(['AI.TENSORREDUCE', 'err:str', 'MEAN', 'err:g'], WRONGTYPE);
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'MEAN', 'err:g', 'err:str'], WRONGTYPE);
        // And the other way round: string commands refuse a tensor.
        await expectRefused(['GET', 'err:p'], WRONGTYPE);
      });

      it('a type other than FLOAT', async () => {
        for (const type of ['DOUBLE', 'INT8', 'UINT16', 'INT128', 'float64', '']) {
          await expectRefused(['AI.TENSORSET', 'err:new', type, '1', 'VALUES', '1'], `ERR invalid data type (got '${type}'; this module stores FLOAT tensors only)`);
        }
      });

      it('zero, negative, malformed and overflowing dimensions', async () => {
        for (const dim of ['-1', '0', '1.5', 'abc', 'not_a_number', '+2', ' 2', '0x10', '99999999999999999999999']) {
          await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '2', dim, 'VALUES', '1', '2'], `ERR invalid or negative value found in tensor shape (got '${dim}'; a dimension is a whole number from 1)`);
        }
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '0', 'VALUES'], "ERR invalid or negative value found in tensor shape (got '0'; a dimension is a whole number from 1)");
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '4294967296', '4294967296', '4294967296'], "ERR tensor of more than 18446744073709551615 elements exceeds the module's limit of 67108864");
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '65536', '1025'], "ERR tensor of 67174400 elements exceeds the module's limit of 67108864");
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', ...Array(17).fill('1'), 'VALUES', '1'], 'ERR tensor has more than 16 dimensions');
      });

      it('a blob of the wrong length, or BLOB / VALUES with the wrong number of arguments', async () => {
        const length = 'ERR data length does not match tensor shape and type';
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '2', '2', 'BLOB', Buffer.alloc(15)], `${length} (expected 16 bytes, got 15)`);
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '2', '2', 'BLOB', Buffer.alloc(20)], `${length} (expected 16 bytes, got 20)`);
        const single = "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command";
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '4', 'BLOB'], `${single} (got 0 arguments)`);
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '1', 'BLOB', Buffer.alloc(4), Buffer.alloc(4)], `${single} (got 2 arguments)`);
        const count = "ERR wrong number of values was given in 'AI.TENSORSET' command";
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '2', '2', 'VALUES', '1', '2', '3'], `${count} (expected 4, got 3)`);
        await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '2', 'VALUES', '1', '2', '3'], `${count} (expected 2, got 3)`);
      });

      it('VALUES that are not finite float32 numbers (checked before anything is stored)', async () => {
        for (const value of ['x', 'A', '', 'nan', 'inf', '-inf', '1e39', '1,5', '2 ']) {
          await expectRefused(['AI.TENSORSET', 'err:p', 'FLOAT', '3', 'VALUES', '1', '2', value], `ERR invalid value (value 2, '${value}', is not a finite float32 number)`);
        }
        await expectRefused(['AI.TENSORSET', 'err:new', 'FLOAT', '2', 'VALUES', 'nope', '1'], "ERR invalid value (value 0, 'nope', is not a finite float32 number)");
        expect(await send(redis, 'EXISTS', 'err:new')).toBe(0);
      });

      it('an unparsable or non-finite learning rate', async () => {
        for (const lr of ['abc', '', '0.1x', ' 0.1', 'nan', 'NaN', 'inf', '-inf', 'Infinity', '1e999']) {
          await expectRefused(['AI.MODELUPDATE', 'err:p', lr, 'err:g'], `ERR learning rate must be a finite number, got '${lr}'`);
        }
      });

      it('a gradient holding NaN or infinity leaves the params as they were', async () => {
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:gnan'], "ERR grads 'err:gnan' has a non-finite value at index 1; params left unchanged");
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:ginf'], "ERR grads 'err:ginf' has a non-finite value at index 3; params left unchanged");
        expect(Array.from(await getTensor('err:p'))).toEqual([1, 2, 3, 4]);
      });

      it('mismatched lengths', async () => {
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:g6'], "ERR grads 'err:g6' has 6 elements but params 'err:p' has 4");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'MEAN', 'err:g', 'err:g6'], "ERR source 'err:g6' has 6 elements but 'err:g' has 4");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'MEDIAN', 'err:g6', 'err:g', 'err:p'], "ERR source 'err:g' has 4 elements but 'err:g6' has 6");
      });

      it('a missing key', async () => {
        await expectRefused(['AI.TENSORGET', 'err:none'], 'ERR tensor key is empty or in a different shard');
        await expectRefused(['AI.TENSORGET', 'err:none', 'JSON'], 'ERR tensor key is empty or in a different shard');
        await expectRefused(['AI.MODELUPDATE', 'err:none', '0.1', 'err:g'], "ERR params tensor 'err:none' does not exist");
        await expectRefused(['AI.MODELUPDATE', 'err:p', '0.1', 'err:none'], "ERR grads tensor 'err:none' does not exist");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'SUM', 'err:g', 'err:none'], "ERR source tensor 'err:none' does not exist");
        await expectRefused(['AI.TENSORREDUCE', 'err:new', 'SUM', 'err:none'], "ERR source tensor 'err:none' does not exist");
      });

      it('a reduce with no sources, an unknown reduction, a bad or too large TRIMMEAN k', async () => {
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'MEAN'], 'ERR AI.TENSORREDUCE needs at least one source tensor');
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN', '1'], 'ERR AI.TENSORREDUCE needs at least one source tensor');
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN'], 'ERR TRIMMEAN needs <k>, how many values to drop at each end, then the sources');
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'AVG', 'err:g'], "ERR unknown reduction 'AVG': expected MEAN, SUM, MEDIAN or TRIMMEAN <k>");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN', '-1', 'err:g'], "ERR TRIMMEAN needs <k>, how many values to drop at each end, as a whole number; got '-1'");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN', 'err:g', 'err:g'], "ERR TRIMMEAN needs <k>, how many values to drop at each end, as a whole number; got 'err:g'");
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN', '1', 'err:g', 'err:p'], 'ERR TRIMMEAN 1 drops 1 values at each end but there are only 2 sources');
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'TRIMMEAN', '2', 'err:g', 'err:p', 'err:g', 'err:p'], 'ERR TRIMMEAN 2 drops 2 values at each end but there are only 4 sources');
      });

      it('a source holding NaN or infinity is named and dest keeps its value', async () => {
        for (const op of [['MEAN'], ['SUM'], ['MEDIAN'], ['TRIMMEAN', '1']]) {
          await expectRefused(['AI.TENSORREDUCE', 'err:dest', ...op, 'err:g', 'err:p', 'err:gnan'], "ERR source 'err:gnan' has a non-finite value at index 1; nothing stored");
        }
        await expectRefused(['AI.TENSORREDUCE', 'err:dest', 'MEAN', 'err:ginf', 'err:gnan'], "ERR source 'err:gnan' has a non-finite value at index 1; nothing stored");
        expect(Array.from(await getTensor('err:dest'))).toEqual([7, 7, 7, 7]);
      });

      it('AI.TENSORGET options it does not know or that contradict each other', async () => {
        await expectRefused(['AI.TENSORGET', 'err:p', 'JSON'], "ERR unsupported data format ('JSON'; expected META, BLOB or VALUES)");
        await expectRefused(['AI.TENSORGET', 'err:p', 'META', 'unsupported_format'], "ERR unsupported data format ('unsupported_format'; expected META, BLOB or VALUES)");
        await expectRefused(['AI.TENSORGET', 'err:p', 'BLOB', 'VALUES'], 'ERR both BLOB and VALUES specified');
      });

      it('quotes what it cannot parse without echoing control bytes or long arguments', async () => {
        await expectRefused(['AI.TENSORSET', 'err:p', Buffer.from('DOUB\r\nLE\x00'), '1'], "ERR invalid data type (got 'DOUB??LE?'; this module stores FLOAT tensors only)");
        await expectRefused(['AI.MODELUPDATE', 'err:p', 'x'.repeat(500), 'err:g'], `ERR learning rate must be a finite number, got '${'x'.repeat(44)}...'`);
      });
    });

    describe('a Redis data type', () => {
      it('TYPE, EXISTS, DEL, RENAME, COPY, EXPIRE behave as for any key', async () => {
        await setTensor('dt:a', new Float32Array([1, 2, 3]));
        expect(await send(redis, 'TYPE', 'dt:a')).toBe('MLTtensor');
        expect(await send(redis, 'EXISTS', 'dt:a')).toBe(1);
        expect(await send(redis, 'RENAME', 'dt:a', 'dt:b')).toBe('OK');
        expect(await send(redis, 'EXISTS', 'dt:a')).toBe(0);
        expect(Array.from(await getTensor('dt:b'))).toEqual([1, 2, 3]);
        expect(await send(redis, 'COPY', 'dt:b', 'dt:c')).toBe(1);
        expect(await send(redis, 'AI.MODELUPDATE', 'dt:c', '1', 'dt:c')).toBe('OK');
        expect(Array.from(await getTensor('dt:b'))).toEqual([1, 2, 3]); // a copy, not a shared buffer
        expect(Array.from(await getTensor('dt:c'))).toEqual([0, 0, 0]);
        expect(await send(redis, 'DEL', 'dt:b', 'dt:c')).toBe(2);
        await setTensor('dt:ttl', new Float32Array([1]));
        expect(await send(redis, 'PEXPIRE', 'dt:ttl', 50)).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 120));
        expect(await send(redis, 'AI.TENSORGET', 'dt:ttl')).toEqual(new Error('ERR tensor key is empty or in a different shard'));
      });

      it('DUMP and RESTORE give the same tensor bit for bit', async () => {
        const values = randomTensor(createRng(5), 3_000);
        await setTensor('dump:a', values, [30, 100]);
        const payload = (await redis.callBuffer('DUMP', 'dump:a')) as Buffer;
        expect(await send(redis, 'RESTORE', 'dump:b', 0, payload)).toBe('OK');
        expect(await send(redis, 'AI.TENSORGET', 'dump:b', 'META')).toEqual(['dtype', 'FLOAT', 'shape', [30, 100]]);
        expectSameBits(await getTensor('dump:b'), values);
        expect(await send(redis, 'DEBUG', 'DIGEST-VALUE', 'dump:a', 'dump:b')).toEqual(await send(redis, 'DEBUG', 'DIGEST-VALUE', 'dump:a', 'dump:a'));
      });

      it('refuses a RESTORE payload whose shape and data disagree, and stays up', async () => {
        await setTensor('bad:a', new Float32Array([1, 2, 3, 4]));
        const payload = (await redis.callBuffer('DUMP', 'bad:a')) as Buffer;
        // The module's encoding: uint ndims=1, uint dim=4, string of 16 bytes.
        const at = payload.indexOf(Buffer.from([0x02, 0x01, 0x02, 0x04, 0x05, 0x10]));
        expect(at).toBeGreaterThan(0);
        const wrongDim = Buffer.from(payload);
        wrongDim[at + 3] = 0x05;
        const zeroDims = Buffer.from(payload);
        zeroDims[at + 1] = 0x00;
        // Let the corrupted payloads past the checksum, to reach the module's own checks.
        expect(await send(redis, 'DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', 1)).toBe('OK');
        try {
          for (const bad of [wrongDim, zeroDims, Buffer.concat([payload.subarray(0, at + 10), payload.subarray(-10)])]) {
            expect(await send(redis, 'RESTORE', 'bad:b', 0, bad)).toEqual(new Error('ERR Bad data format'));
            expect(await send(redis, 'EXISTS', 'bad:b')).toBe(0);
          }
        } finally {
          await send(redis, 'DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', 0);
        }
        expect(await send(redis, 'PING')).toBe('PONG');
      });

      it('reports its memory: the data plus a small header', async () => {
        await setTensor('mem:a', new Float32Array(1_000_000));
        const bytes = (await send(redis, 'MEMORY', 'USAGE', 'mem:a')) as number;
        expect(bytes).toBeGreaterThanOrEqual(4_000_000);
        expect(bytes).toBeLessThan(4_000_400);
        await send(redis, 'DEL', 'mem:a');
      });

      it('survives DEBUG RELOAD bit for bit (RDB save and load callbacks)', async () => {
        const values = randomTensor(createRng(9), 20_001);
        await setTensor('reload:a', values, [3, 6667]);
        await setTensor('reload:b', new Float32Array([NaN, -0, 1e-45]));
        const before = await datasetDigest(redis);
        expect(await send(redis, 'DEBUG', 'RELOAD')).toBe('OK');
        expect(await datasetDigest(redis)).toBe(before);
        expect(await send(redis, 'AI.TENSORGET', 'reload:a', 'META')).toEqual(['dtype', 'FLOAT', 'shape', [3, 6667]]);
        expectSameBits(await getTensor('reload:a'), values);
        expectSameBits(await getTensor('reload:b'), new Float32Array([NaN, -0, 1e-45]));
      });
    });
  });
}

/** A second server whose module was loaded with a small MAX_ELEMENTS, and refused module arguments. */
export function describeModuleArguments(build: ModuleBuild): void {
  describe(`module arguments (${build} build)`, () => {
    it('MAX_ELEMENTS bounds every way of creating a tensor, with a message naming both sizes', async () => {
      const t = await startTensorServer({ build, moduleArgs: ['MAX_ELEMENTS', '100'] });
      try {
        const r = t.redis;
        expect(await send(r, 'AI.TENSORSET', 'a', 'FLOAT', '10', '10')).toBe('OK');
        const digest = await datasetDigest(r);
        const thousand = Array.from({ length: 1000 }, (_, i) => String(i));
        expect(await send(r, 'AI.TENSORSET', 'b', 'FLOAT', '1000', 'VALUES', ...thousand)).toEqual(new Error("ERR tensor of 1000 elements exceeds the module's limit of 100"));
        expect(await send(r, 'AI.TENSORSET', 'b', 'FLOAT', '101', 'BLOB', Buffer.alloc(404))).toEqual(new Error("ERR tensor of 101 elements exceeds the module's limit of 100"));
        expect(await send(r, 'AI.TENSORSET', 'a', 'FLOAT', '2', '51')).toEqual(new Error("ERR tensor of 102 elements exceeds the module's limit of 100"));
        expect(await datasetDigest(r)).toBe(digest);
      } finally {
        expect(await t.stop()).toEqual([]);
      }
    });

    it.each([
      [['MAX_ELEMENTS', '0'], /MAX_ELEMENTS needs a whole number from 1 to 134217728/],
      [['MAX_ELEMENTS', '134217729'], /MAX_ELEMENTS needs a whole number from 1 to 134217728/],
      [['MAX_ELEMENTS'], /MAX_ELEMENTS needs a whole number/],
      [['LIMIT', '5'], /unknown module argument 'LIMIT' \(expected MAX_ELEMENTS <n>\)/],
    ])('refuses to load with %j, saying why', async (args, message) => {
      await expect(startTensorServer({ build, moduleArgs: args })).rejects.toThrow(message);
    });
  });
}
