/* The stored value: a float32 tensor, its shape, and the module-wide settings that bound it. */
#ifndef MLT_TENSOR_H
#define MLT_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "redismodule_api.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensors are stored and sent as little-endian float32; this host is not little-endian"
#endif

#define MLT_MAX_DIMS 16
/* A tensor must fit in one bulk string (Redis's default proto-max-bulk-len, 512 MB), or AOF
 * rewrites and replicas could not load it back. */
#define MLT_HARD_MAX_ELEMENTS (512ULL * 1024 * 1024 / sizeof(float))
#define MLT_DEFAULT_MAX_ELEMENTS (64ULL * 1024 * 1024)

typedef struct {
    int ndims; /* 0 for a scalar */
    uint64_t dims[MLT_MAX_DIMS];
    size_t count; /* product of dims (1 for a scalar) */
} MltShape;

typedef struct {
    MltShape shape;
    float *data; /* shape.count little-endian float32 values */
} MltTensor;

/* Set once by RedisModule_OnLoad. */
extern RedisModuleType *mlt_tensor_type;
extern uint64_t mlt_max_elements;

/* A tensor of this shape with uninitialised data, or NULL when memory is short. */
MltTensor *mlt_tensor_alloc(const MltShape *shape);
void mlt_tensor_free(MltTensor *tensor);

static inline size_t mlt_tensor_bytes(const MltTensor *tensor) { return tensor->shape.count * sizeof(float); }

#endif
