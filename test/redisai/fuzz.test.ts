/** Seeded randomized calls of the tensor module's commands (release build). */
import { describeArgumentFuzz } from './cases/fuzz';

describeArgumentFuzz('release', 3000);
