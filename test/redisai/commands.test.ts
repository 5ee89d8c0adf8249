/** The tensor module's commands through a real redis-server (release build). Needs redis-server, gcc and make. */
import { describeModuleArguments, describeTensorCommands } from './cases/commands';

describeTensorCommands('release');
describeModuleArguments('release');
