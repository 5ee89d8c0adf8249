/* Resolves the API function pointers declared in redismodule_api.h, by name, at load time. */
#include <string.h>

#include "redismodule_api.h"

#define MLT_DEFINE_API(ret, name, params) ret(*RedisModule_##name) params = NULL;
MLT_API_FUNCTIONS(MLT_DEFINE_API)
#undef MLT_DEFINE_API
void *(*RedisModule_TryAlloc)(size_t bytes) = NULL;

typedef int (*GetApiFunc)(const char *name, void *target);

int mlt_api_init(RedisModuleCtx *ctx) {
    GetApiFunc get_api;
    /* The lookup function is the context's first word. Copied, not cast: ISO C has no conversion
     * from an object pointer to a function pointer. */
    memcpy(&get_api, (const void *)ctx, sizeof get_api);
    if (get_api("RedisModule_Log", (void *)&RedisModule_Log) != REDISMODULE_OK) return REDISMODULE_ERR;

#define MLT_RESOLVE_API(ret, name, params)                                                         \
    if (get_api("RedisModule_" #name, (void *)&RedisModule_##name) != REDISMODULE_OK) {            \
        RedisModule_Log(ctx, "warning", "this server has no RedisModule_" #name " (needs 6.2+)"); \
        return REDISMODULE_ERR;                                                                    \
    }
    MLT_API_FUNCTIONS(MLT_RESOLVE_API)
#undef MLT_RESOLVE_API
    /* TryAlloc came with Redis 7.0; Redis 6.2 (Amazon Linux's redis6) has only Alloc. */
    if (get_api("RedisModule_TryAlloc", (void *)&RedisModule_TryAlloc) != REDISMODULE_OK &&
        get_api("RedisModule_Alloc", (void *)&RedisModule_TryAlloc) != REDISMODULE_OK) {
        RedisModule_Log(ctx, "warning", "this server has no RedisModule_Alloc");
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}
