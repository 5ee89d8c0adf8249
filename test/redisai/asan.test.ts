/**
 * The command tests and the argument fuzzer again, against the module built with AddressSanitizer
 * and UndefinedBehaviorSanitizer (make -C redisai asan) in a redis-server with libasan preloaded.
 * Any out-of-bounds access, use after free, undefined behaviour, or leak found when the server
 * exits writes a report, and each server's reports must be empty.
 */
import { describeModuleArguments, describeTensorCommands } from './cases/commands';
import { describeRedisAICompatibility } from './cases/compat';
import { describeArgumentFuzz } from './cases/fuzz';

describeTensorCommands('asan');
describeModuleArguments('asan');
describeRedisAICompatibility('asan');
describeArgumentFuzz('asan', 1500);
