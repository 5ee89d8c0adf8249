/** The tensor module's commands through a real redis-server (release build). Needs redis-server, gcc and make. */
import { describeModuleArguments, describeTensorCommands } from './cases/commands';
import { describeRedisAICompatibility } from './cases/compat';

describeTensorCommands('release');
describeModuleArguments('release');
describeRedisAICompatibility('release');
