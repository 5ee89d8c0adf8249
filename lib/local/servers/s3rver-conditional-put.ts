// S3 honours If-None-Match: * on PutObject (412 PreconditionFailed when the key exists), which the
// functions use to claim a step once. s3rver 3.7 ignores the header on PUT; this gives it S3's
// behaviour. The check and the write happen in this one process, so a key being written counts as
// existing until its PUT ends: two racing conditional PUTs cannot both succeed.

interface KoaContextLike {
  params: { bucket: string; key: string };
  headers: Record<string, string | undefined>;
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

let applied = false;

export function makeS3rverHonourIfNoneMatch(): void {
  if (applied) return;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const controllers = require('s3rver/lib/controllers/object') as { putObject: (ctx: KoaContextLike) => Promise<void> };
  const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const plainPut = controllers.putObject;
  const writing = new Set<string>();
  controllers.putObject = async function conditionalPut(ctx: KoaContextLike) {
    if (ctx.headers['if-none-match'] !== '*') return plainPut(ctx);
    const id = `${ctx.params.bucket}/${ctx.params.key}`;
    const precondition = () => new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
    if (writing.has(id)) throw precondition();
    writing.add(id);
    try {
      if (await ctx.store.existsObject(ctx.params.bucket, ctx.params.key)) throw precondition();
      return await plainPut(ctx);
    } finally {
      writing.delete(id);
    }
  };
  applied = true;
}
