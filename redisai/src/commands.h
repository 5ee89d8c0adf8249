/* The module's commands, one file each. */
#ifndef MLT_COMMANDS_H
#define MLT_COMMANDS_H

#include "redismodule_api.h"

int mlt_tensorset_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int mlt_tensorget_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int mlt_modelupdate_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
int mlt_tensorreduce_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif
