#include "keys.h"

MltKeyState mlt_lookup(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor **tensor) {
    *tensor = NULL;
    RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_READ);
    /* Redis 7.0 returns NULL for a missing key opened only for reading; later versions an empty key. */
    if (key == NULL) return MLT_KEY_MISSING;
    MltKeyState state = MLT_KEY_OTHER_TYPE;
    int type = RedisModule_KeyType(key);
    if (type == REDISMODULE_KEYTYPE_EMPTY) {
        state = MLT_KEY_MISSING;
    } else if (type == REDISMODULE_KEYTYPE_MODULE && RedisModule_ModuleTypeGetType(key) == mlt_tensor_type) {
        *tensor = RedisModule_ModuleTypeGetValue(key);
        state = MLT_KEY_TENSOR;
    }
    RedisModule_CloseKey(key);
    return state;
}

void mlt_store(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor *tensor) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_READ | REDISMODULE_WRITE);
    RedisModule_ModuleTypeSetValue(key, mlt_tensor_type, tensor); /* frees the old value */
    RedisModule_CloseKey(key);
}

RedisModuleKey *mlt_open_for_update(RedisModuleCtx *ctx, RedisModuleString *name, MltTensor **tensor) {
    RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_READ | REDISMODULE_WRITE);
    *tensor = RedisModule_ModuleTypeGetValue(key);
    return key;
}
