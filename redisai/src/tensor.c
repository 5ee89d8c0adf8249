#include "tensor.h"

MltTensor *mlt_tensor_alloc(const MltShape *shape) {
    /* TryAlloc: a large tensor that does not fit gets an error reply instead of aborting Redis. */
    MltTensor *tensor = RedisModule_TryAlloc(sizeof *tensor);
    if (tensor == NULL) return NULL;
    tensor->shape = *shape;
    tensor->data = RedisModule_TryAlloc(shape->count * sizeof(float));
    if (tensor->data == NULL) {
        RedisModule_Free(tensor);
        return NULL;
    }
    return tensor;
}

void mlt_tensor_free(MltTensor *tensor) {
    if (tensor == NULL) return;
    RedisModule_Free(tensor->data);
    RedisModule_Free(tensor);
}
