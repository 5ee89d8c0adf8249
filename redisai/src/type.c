/* The tensor data type: how Redis saves, loads, rewrites, copies, measures and frees a tensor. */
#include <string.h>

#include "type.h"

/* Bump when the RDB layout below changes; rdb_load refuses versions it does not know.
 * Version 1: ndims (0 for a scalar), each dim (unsigned), then the float32 data as one string. */
#define MLT_ENCODING_VERSION 1
/* Exactly 9 characters, as Redis requires; shown by TYPE. */
#define MLT_TYPE_NAME "MLTtensor"

static void *tensor_rdb_load(RedisModuleIO *io, int encver) {
    if (encver != MLT_ENCODING_VERSION) {
        RedisModule_LogIOError(io, "warning", "tensor encoding version %d is unknown (this module writes %d)", encver,
                               MLT_ENCODING_VERSION);
        return NULL;
    }
    MltShape shape;
    uint64_t ndims = RedisModule_LoadUnsigned(io);
    /* ndims 0 is a scalar (one element). */
    if (RedisModule_IsIOError(io) || ndims > MLT_MAX_DIMS) return NULL;
    shape.ndims = (int)ndims;
    uint64_t count = 1;
    int overflowed = 0;
    for (int d = 0; d < shape.ndims; d++) {
        shape.dims[d] = RedisModule_LoadUnsigned(io);
        overflowed |= shape.dims[d] == 0 || __builtin_mul_overflow(count, shape.dims[d], &count);
    }
    size_t bytes = 0;
    char *data = RedisModule_LoadStringBuffer(io, &bytes);
    /* A corrupt payload (RESTORE takes any bytes with a valid checksum) is refused, not trusted. */
    if (RedisModule_IsIOError(io) || overflowed || count > SIZE_MAX / sizeof(float) || bytes != count * sizeof(float)) {
        if (data != NULL) RedisModule_Free(data);
        RedisModule_LogIOError(io, "warning", "corrupt tensor: shape and data length disagree");
        return NULL;
    }
    shape.count = (size_t)count;
    MltTensor *tensor = RedisModule_TryAlloc(sizeof *tensor);
    if (tensor == NULL) {
        RedisModule_Free(data);
        return NULL;
    }
    tensor->shape = shape;
    tensor->data = (float *)(void *)data; /* Redis's allocation, suitably aligned: kept, not copied */
    return tensor;
}

static void tensor_rdb_save(RedisModuleIO *io, void *value) {
    const MltTensor *tensor = value;
    RedisModule_SaveUnsigned(io, (uint64_t)tensor->shape.ndims);
    for (int d = 0; d < tensor->shape.ndims; d++) RedisModule_SaveUnsigned(io, tensor->shape.dims[d]);
    RedisModule_SaveStringBuffer(io, (const char *)tensor->data, mlt_tensor_bytes(tensor));
}

/* One AI.TENSORSET ... BLOB per key, so an AOF without an RDB preamble rebuilds the tensor. */
static void tensor_aof_rewrite(RedisModuleIO *aof, RedisModuleString *key, void *value) {
    const MltTensor *tensor = value;
    RedisModuleString *dims[MLT_MAX_DIMS];
    size_t ndims = (size_t)tensor->shape.ndims;
    for (size_t d = 0; d < ndims; d++) dims[d] = RedisModule_CreateStringFromLongLong(NULL, (long long)tensor->shape.dims[d]);
    RedisModule_EmitAOF(aof, "AI.TENSORSET", "scvcb", key, "FLOAT", dims, ndims, "BLOB", (const char *)tensor->data,
                        mlt_tensor_bytes(tensor));
    for (size_t d = 0; d < ndims; d++) RedisModule_FreeString(NULL, dims[d]);
}

static size_t tensor_mem_usage(const void *value) {
    const MltTensor *tensor = value;
    return sizeof *tensor + mlt_tensor_bytes(tensor);
}

/* DEBUG DIGEST: equal shape and bits give equal digests. */
static void tensor_digest(RedisModuleDigest *md, void *value) {
    const MltTensor *tensor = value;
    RedisModule_DigestAddStringBuffer(md, (const char *)tensor->shape.dims, (size_t)tensor->shape.ndims * sizeof(uint64_t));
    RedisModule_DigestAddStringBuffer(md, (const char *)tensor->data, mlt_tensor_bytes(tensor));
    RedisModule_DigestEndSequence(md);
}

static void tensor_free(void *value) { mlt_tensor_free(value); }

/* COPY: NULL (out of memory) makes Redis refuse the COPY. */
static void *tensor_copy(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value) {
    (void)fromkey, (void)tokey;
    const MltTensor *source = value;
    MltTensor *copy = mlt_tensor_alloc(&source->shape);
    if (copy != NULL) memcpy(copy->data, source->data, mlt_tensor_bytes(source));
    return copy;
}

RedisModuleType *mlt_create_tensor_type(RedisModuleCtx *ctx) {
    RedisModuleTypeMethods methods = {
        .version = REDISMODULE_TYPE_METHOD_VERSION,
        .rdb_load = tensor_rdb_load,
        .rdb_save = tensor_rdb_save,
        .aof_rewrite = tensor_aof_rewrite,
        .mem_usage = tensor_mem_usage,
        .digest = tensor_digest,
        .free = tensor_free,
        .copy = tensor_copy,
    };
    return RedisModule_CreateDataType(ctx, MLT_TYPE_NAME, MLT_ENCODING_VERSION, &methods);
}
