/* AI.MODELUPDATE <params> <lr> <grads>: SPIRT's in-database SGD step, params <- params - lr * grads,
 * in place. Refused, leaving params as they were, for a non-finite lr, a gradient holding NaN or
 * infinity, or tensors of different lengths. */
#include "commands.h"
#include "kernels.h"
#include "keys.h"
#include "parse.h"

typedef struct {
    double lr;
    MltTensor *params;
    MltTensor *grads;
} Request;

/* The tensor under `name`, or 0 with err set; `role` names it in the message. */
static int find_operand(RedisModuleCtx *ctx, RedisModuleString *name, const char *role, MltTensor **tensor,
                        MltErr *err) {
    MltKeyState state = mlt_lookup(ctx, name, tensor);
    if (state == MLT_KEY_MISSING) return mlt_fail(err, "ERR %s tensor '%s' does not exist", role, mlt_quote(name).text);
    if (state == MLT_KEY_OTHER_TYPE) return mlt_fail(err, "%s", REDISMODULE_ERRORMSG_WRONGTYPE);
    return 1;
}

static int validate(RedisModuleCtx *ctx, RedisModuleString **argv, Request *req, MltErr *err) {
    if (!mlt_parse_finite(argv[2], &req->lr))
        return mlt_fail(err, "ERR learning rate must be a finite number, got '%s'", mlt_quote(argv[2]).text);
    if (!find_operand(ctx, argv[1], "params", &req->params, err)) return 0;
    if (!find_operand(ctx, argv[3], "grads", &req->grads, err)) return 0;
    size_t count = req->params->shape.count;
    if (req->grads->shape.count != count)
        return mlt_fail(err, "ERR grads '%s' has %zu elements but params '%s' has %zu", mlt_quote(argv[3]).text,
                        req->grads->shape.count, mlt_quote(argv[1]).text, count);
    size_t bad = mlt_first_nonfinite(req->grads->data, count);
    if (bad < count)
        return mlt_fail(err, "ERR grads '%s' has a non-finite value at index %zu; params left unchanged",
                        mlt_quote(argv[3]).text, bad);
    return 1;
}

int mlt_modelupdate_command(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 4) return RedisModule_WrongArity(ctx);
    Request req = {0};
    MltErr err;
    if (!validate(ctx, argv, &req, &err)) return RedisModule_ReplyWithError(ctx, err.text);

    /* Reopened for writing: closing it tells Redis the key changed (WATCH, client tracking). */
    RedisModuleKey *key = mlt_open_for_update(ctx, argv[1], &req.params);
    mlt_sgd_step(req.params->data, req.grads->data, req.lr, req.params->shape.count);
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}
