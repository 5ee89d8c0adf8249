import { createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, sign, verify, constants, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../util/canonical-json';

// A peer's two key pairs: Ed25519 to sign what it announces and sends, RSA-OAEP (SHA-256) so
// other peers can send it their database credentials that only it can read.

export interface PeerKeyPairs {
  signingPublicKey: string;
  signingPrivateKey: string;
  encryptionPublicKey: string;
  encryptionPrivateKey: string;
}

export function generatePeerKeys(): PeerKeyPairs {
  const signing = generateKeyPairSync('ed25519');
  const encryption = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (k: { export(o: object): string | Buffer }, type: 'spki' | 'pkcs8') => String(k.export({ type, format: 'pem' }));
  return {
    signingPublicKey: pem(signing.publicKey, 'spki'),
    signingPrivateKey: pem(signing.privateKey, 'pkcs8'),
    encryptionPublicKey: pem(encryption.publicKey, 'spki'),
    encryptionPrivateKey: pem(encryption.privateKey, 'pkcs8'),
  };
}

export function signStatement(statement: unknown, signingPrivateKey: string): string {
  return sign(null, Buffer.from(canonicalJson(statement)), createPrivateKey(signingPrivateKey)).toString('base64');
}

export function verifyStatement(statement: unknown, signature: string, signingPublicKey: string): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(statement)), createPublicKey(signingPublicKey), Buffer.from(signature, 'base64'));
  } catch {
    return false; // a malformed key or signature is simply not valid
  }
}

export function encryptFor(encryptionPublicKey: string, secret: string): string {
  return publicEncrypt({ key: createPublicKey(encryptionPublicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(secret, 'utf8')).toString('base64');
}

export function decryptWith(encryptionPrivateKey: string, ciphertext: string): string {
  return privateDecrypt({ key: createPrivateKey(encryptionPrivateKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(ciphertext, 'base64')).toString('utf8');
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}
