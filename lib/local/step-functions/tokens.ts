import { SfnApiError } from './api';

// ListExecutions' nextToken: the offset into the newest-first order, base64 JSON.

export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // reported below
  }
  throw new SfnApiError('InvalidToken', `Invalid Token: '${token}'`);
}
