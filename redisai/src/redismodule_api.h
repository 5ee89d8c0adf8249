/*
 * The part of the Redis module API this module uses, declared here instead of taking Redis's
 * redismodule.h: when Redis loads a module it passes OnLoad a context whose first word is a lookup
 * function, and every other API function is fetched from it by name ("RedisModule_OpenKey", ...).
 * So only the calls listed below, the constants they take and the type-methods layout are needed.
 * Written for the Redis 7 ABI (Debian's redis-server 7.0, Valkey); Redis 6.2 has all of it but
 * TryAlloc, for which api.c falls back to Alloc.
 */
#ifndef MLT_REDISMODULE_API_H
#define MLT_REDISMODULE_API_H

#include <stddef.h>
#include <stdint.h>

#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1
#define REDISMODULE_APIVER_1 1

/* OpenKey modes. */
#define REDISMODULE_READ (1 << 0)
#define REDISMODULE_WRITE (1 << 1)

/* KeyType results (the ones this module tells apart). */
#define REDISMODULE_KEYTYPE_EMPTY 0
#define REDISMODULE_KEYTYPE_MODULE 6

/* SetModuleOptions: a failed read in rdb_load is reported through IsIOError instead of Redis
 * aborting, so a corrupt RESTORE payload is refused rather than taking the server down. */
#define REDISMODULE_OPTIONS_HANDLE_IO_ERRORS (1 << 0)

/* Layout version of RedisModuleTypeMethods: 3 covers the fields up to and including `defrag`. */
#define REDISMODULE_TYPE_METHOD_VERSION 3

#define REDISMODULE_ERRORMSG_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleIO RedisModuleIO;
typedef struct RedisModuleType RedisModuleType;
typedef struct RedisModuleDigest RedisModuleDigest;
typedef struct RedisModuleDefragCtx RedisModuleDefragCtx;

typedef int (*RedisModuleCmdFunc)(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

/* Field order and types are the ABI: Redis reads this struct up to the field `version` names. */
typedef struct RedisModuleTypeMethods {
    uint64_t version;
    void *(*rdb_load)(RedisModuleIO *rdb, int encver);
    void (*rdb_save)(RedisModuleIO *rdb, void *value);
    void (*aof_rewrite)(RedisModuleIO *aof, RedisModuleString *key, void *value);
    size_t (*mem_usage)(const void *value);
    void (*digest)(RedisModuleDigest *digest, void *value);
    void (*free)(void *value);
    int (*aux_load)(RedisModuleIO *rdb, int encver, int when);
    void (*aux_save)(RedisModuleIO *rdb, int when);
    int aux_save_triggers;
    size_t (*free_effort)(RedisModuleString *key, const void *value);
    void (*unlink)(RedisModuleString *key, const void *value);
    void *(*copy)(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value);
    int (*defrag)(RedisModuleDefragCtx *ctx, RedisModuleString *key, void **value);
} RedisModuleTypeMethods;

/*
 * Every API function the module calls: X(return type, name without the RedisModule_ prefix,
 * parameter list). The list declares the function pointers here and drives their lookup in api.c.
 */
#define MLT_API_FUNCTIONS(X)                                                                          \
    X(void, SetModuleAttribs, (RedisModuleCtx * ctx, const char *name, int ver, int apiver))          \
    X(void, SetModuleOptions, (RedisModuleCtx * ctx, int options))                                    \
    X(int, CreateCommand,                                                                             \
      (RedisModuleCtx * ctx, const char *name, RedisModuleCmdFunc cmdfunc, const char *strflags,      \
       int firstkey, int lastkey, int keystep))                                                       \
    X(RedisModuleType *, CreateDataType,                                                              \
      (RedisModuleCtx * ctx, const char *name, int encver, RedisModuleTypeMethods *typemethods))      \
    X(void, Log, (RedisModuleCtx * ctx, const char *level, const char *fmt, ...))                     \
    X(void, LogIOError, (RedisModuleIO * io, const char *level, const char *fmt, ...))                \
    X(void, Free, (void *ptr))                                                                        \
    X(int, WrongArity, (RedisModuleCtx * ctx))                                                        \
    X(int, ReplyWithError, (RedisModuleCtx * ctx, const char *err))                                   \
    X(int, ReplyWithSimpleString, (RedisModuleCtx * ctx, const char *msg))                            \
    X(int, ReplyWithArray, (RedisModuleCtx * ctx, long len))                                          \
    X(int, ReplyWithLongLong, (RedisModuleCtx * ctx, long long ll))                                   \
    X(int, ReplyWithStringBuffer, (RedisModuleCtx * ctx, const char *buf, size_t len))                \
    X(const char *, StringPtrLen, (const RedisModuleString *str, size_t *len))                        \
    X(RedisModuleString *, CreateStringFromLongLong, (RedisModuleCtx * ctx, long long ll))            \
    X(void, FreeString, (RedisModuleCtx * ctx, RedisModuleString *str))                               \
    X(RedisModuleKey *, OpenKey, (RedisModuleCtx * ctx, RedisModuleString *keyname, int mode))        \
    X(void, CloseKey, (RedisModuleKey * key))                                                         \
    X(int, KeyType, (RedisModuleKey * key))                                                           \
    X(RedisModuleType *, ModuleTypeGetType, (RedisModuleKey * key))                                   \
    X(void *, ModuleTypeGetValue, (RedisModuleKey * key))                                             \
    X(int, ModuleTypeSetValue, (RedisModuleKey * key, RedisModuleType *mt, void *value))              \
    X(int, ReplicateVerbatim, (RedisModuleCtx * ctx))                                                 \
    X(int, IsKeysPositionRequest, (RedisModuleCtx * ctx))                                             \
    X(void, KeyAtPos, (RedisModuleCtx * ctx, int pos))                                                \
    X(void, SaveUnsigned, (RedisModuleIO * io, uint64_t value))                                       \
    X(uint64_t, LoadUnsigned, (RedisModuleIO * io))                                                   \
    X(void, SaveStringBuffer, (RedisModuleIO * io, const char *str, size_t len))                      \
    X(char *, LoadStringBuffer, (RedisModuleIO * io, size_t *lenptr))                                 \
    X(int, IsIOError, (RedisModuleIO * io))                                                           \
    X(void, EmitAOF, (RedisModuleIO * io, const char *cmdname, const char *fmt, ...))                 \
    X(void, DigestAddStringBuffer, (RedisModuleDigest * md, const char *ele, size_t len))             \
    X(void, DigestEndSequence, (RedisModuleDigest * md))

#define MLT_DECLARE_API(ret, name, params) extern ret(*RedisModule_##name) params;
MLT_API_FUNCTIONS(MLT_DECLARE_API)
#undef MLT_DECLARE_API

/* NULL when memory is short (Redis 7). On Redis 6.2, which lacks it, this is RedisModule_Alloc,
 * which aborts Redis instead. */
extern void *(*RedisModule_TryAlloc)(size_t bytes);

/* Fills every pointer above through the context's lookup function. REDISMODULE_ERR (with a log
 * line naming the first missing function) when this Redis lacks one. */
int mlt_api_init(RedisModuleCtx *ctx);

/* What Redis calls when it loads the module (module.c). */
int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);

#endif
