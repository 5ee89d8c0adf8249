/* Entry point: resolves the API, reads the module arguments, registers the type and commands.
 *   loadmodule mltrain_tensor.so [MAX_ELEMENTS <n>] */
#include "commands.h"
#include "parse.h"
#include "tensor.h"
#include "type.h"

RedisModuleType *mlt_tensor_type = NULL;
uint64_t mlt_max_elements = MLT_DEFAULT_MAX_ELEMENTS;

static int parse_module_args(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    for (int i = 0; i < argc; i += 2) {
        if (!mlt_is_word(argv[i], "MAX_ELEMENTS")) {
            RedisModule_Log(ctx, "warning", "unknown module argument '%s' (expected MAX_ELEMENTS <n>)",
                            mlt_quote(argv[i]).text);
            return REDISMODULE_ERR;
        }
        uint64_t n;
        if (i + 1 >= argc || !mlt_parse_uint(argv[i + 1], &n) || n == 0 || n > MLT_HARD_MAX_ELEMENTS) {
            RedisModule_Log(ctx, "warning", "MAX_ELEMENTS needs a whole number from 1 to %llu",
                            (unsigned long long)MLT_HARD_MAX_ELEMENTS);
            return REDISMODULE_ERR;
        }
        mlt_max_elements = n;
    }
    return REDISMODULE_OK;
}

typedef struct {
    const char *name;
    RedisModuleCmdFunc handler;
    const char *flags;
    int firstkey, lastkey, keystep;
} CommandSpec;

static const CommandSpec COMMANDS[] = {
    {"AI.TENSORSET", mlt_tensorset_command, "write deny-oom", 1, 1, 1},
    {"AI.TENSORGET", mlt_tensorget_command, "readonly", 1, 1, 1},
    /* params at 1, grads at 3. In place, so no deny-oom. */
    {"AI.MODELUPDATE", mlt_modelupdate_command, "write", 1, 3, 2},
    /* Key positions depend on the reduction (TRIMMEAN takes an extra <k>): reported by the command. */
    {"AI.TENSORREDUCE", mlt_tensorreduce_command, "write deny-oom getkeys-api", 1, 1, 1},
};

__attribute__((visibility("default"))) int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv,
                                                              int argc) {
    if (mlt_api_init(ctx) != REDISMODULE_OK) return REDISMODULE_ERR;
    RedisModule_SetModuleAttribs(ctx, "mltensor", 1, REDISMODULE_APIVER_1);
    RedisModule_SetModuleOptions(ctx, REDISMODULE_OPTIONS_HANDLE_IO_ERRORS);
    if (parse_module_args(ctx, argv, argc) != REDISMODULE_OK) return REDISMODULE_ERR;

    mlt_tensor_type = mlt_create_tensor_type(ctx);
    if (mlt_tensor_type == NULL) return REDISMODULE_ERR;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        const CommandSpec *c = &COMMANDS[i];
        if (RedisModule_CreateCommand(ctx, c->name, c->handler, c->flags, c->firstkey, c->lastkey, c->keystep) !=
            REDISMODULE_OK)
            return REDISMODULE_ERR;
    }
    RedisModule_Log(ctx, "notice", "float32 tensors up to %llu elements", (unsigned long long)mlt_max_elements);
    return REDISMODULE_OK;
}
