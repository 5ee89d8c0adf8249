#ifndef MLT_TYPE_H
#define MLT_TYPE_H

#include "redismodule_api.h"
#include "tensor.h"

/* Registers the tensor data type with Redis; NULL when Redis refuses it. */
RedisModuleType *mlt_create_tensor_type(RedisModuleCtx *ctx);

#endif
