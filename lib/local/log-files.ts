import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The local runtime's JSON-lines log files, one per name under one folder (runs/<runId>/logs/).
 * Lines are appended synchronously, so they are ordered and on disk as soon as an invocation or a
 * state ends. After close() further lines are dropped: they come from processes or executions the
 * runtime is stopping, and the run's logs are already complete.
 */
export class LogFiles {
  private readonly fds = new Map<string, number>();
  private closed = false;

  constructor(private readonly dir: string) {}

  append(name: string, text: string): void {
    if (this.closed) return;
    let fd = this.fds.get(name);
    if (fd === undefined) {
      fd = openSync(path.join(this.dir, `${name}.jsonl`), 'a');
      this.fds.set(name, fd);
    }
    writeSync(fd, text);
  }

  close(): void {
    this.closed = true;
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
