/* The arithmetic, free of Redis: float32 in and out, double inside, rounded once per element. */
#ifndef MLT_KERNELS_H
#define MLT_KERNELS_H

#include <stddef.h>

typedef enum { MLT_REDUCE_MEAN, MLT_REDUCE_SUM, MLT_REDUCE_MEDIAN, MLT_REDUCE_TRIMMEAN } MltReduceOp;

/* Index of the first NaN or infinity in v, or n when every value is finite. */
size_t mlt_first_nonfinite(const float *v, size_t n);

/* params[i] = params[i] - lr * grads[i]. */
void mlt_sgd_step(float *params, const float *grads, double lr, size_t n);

/*
 * out[i] = op over sources[0][i] .. sources[nsrc-1][i]:
 *   MEAN, SUM: summed in source order;
 *   MEDIAN: the middle value, or the mean of the two middle values for an even count;
 *   TRIMMEAN: the mean of the values left after dropping the `trim` lowest and `trim` highest,
 *             summed in ascending order (needs 2 * trim < nsrc).
 * scratch holds nsrc floats (MEDIAN and TRIMMEAN only). Returns 1, or 0 when some input is NaN or
 * infinite, naming it in *bad_source and *bad_index (out is then garbage).
 */
int mlt_reduce(MltReduceOp op, size_t trim, const float *const *sources, size_t nsrc, size_t count, float *out,
               float *scratch, size_t *bad_source, size_t *bad_index);

#endif
