/* Finding and storing tensors under keys. */
#ifndef MLT_KEYS_H
#define MLT_KEYS_H

#include "redismodule_api.h"
#include "tensor.h"

typedef enum { MLT_KEY_MISSING, MLT_KEY_TENSOR, MLT_KEY_OTHER_TYPE } MltKeyState;

/* What `name` holds, and its tensor when it holds one. The key is closed again: the value stays
 * valid until the key is written or deleted, and the commands finish reading before they write. */
MltKeyState mlt_lookup(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor **tensor);

/* Stores `tensor` under `name`, replacing what was there (and its expiry, as SET does). */
void mlt_store(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor *tensor);

/* Opens an existing tensor key for an in-place change; the caller closes the returned key, which
 * tells Redis the key was modified (WATCH, client-side caching). */
RedisModuleKey *mlt_open_for_update(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor **tensor);

#endif
