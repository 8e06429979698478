/**
 * Secrets at rest (SSO client secrets, webhook signing secrets): AES-256-GCM under the server's key. The key is `SECRET_KEY`
 * (base64, 32 bytes) when set, else — SQLite only — `secret.key` in the data dir, generated once (mode
 * 0600, the same base64 text, so it can be copied into SECRET_KEY). Cluster mode (DATABASE_URL) has no
 * shared dir: every instance needs the same SECRET_KEY, and saving or reading a secret without it fails
 * with SecretKeyError.
 *
 * Stored form: `v1:` + base64(iv 12 bytes | tag 16 bytes | ciphertext). A value without the prefix is a
 * legacy plaintext row: read as is, encrypted on the next write.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_FILE = 'secret.key';

/** A secret cannot be sealed or opened: no key, a malformed key, or not the key it was sealed with. */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

export interface SecretBox {
  seal(plain: string): string;
  open(stored: string): string;
}

/** The 32-byte key from its base64 text; throws SecretKeyError naming `where` when it is not one. */
export function decodeSecretKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new SecretKeyError(`${where} must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
  return key;
}

/** SECRET_KEY when set, else null. */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const text = env.SECRET_KEY;
  return text ? decodeSecretKey(text, 'SECRET_KEY') : null;
}

/** SECRET_KEY when set, else the data dir's key file, created (0600) on first use. */
export function secretKeyFor(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = secretKeyFromEnv(env);
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, SECRET_KEY_FILE);
  try {
    fs.writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decodeSecretKey(fs.readFileSync(file, 'utf8'), file);
}

export const SECRET_KEY_MISSING =
  'SECRET_KEY is not set: with DATABASE_URL every instance needs the same SECRET_KEY for SSO client secrets and webhook signing secrets';

/** Seals and opens under `key`; null: every use throws SecretKeyError (cluster mode without SECRET_KEY). */
export function createSecretBox(key: Buffer | null): SecretBox {
  const need = (): Buffer => {
    if (key === null) throw new SecretKeyError(SECRET_KEY_MISSING);
    return key;
  };
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', need(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const k = need();
      const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const body = bytes.subarray(IV_BYTES + TAG_BYTES);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError(
          'A saved secret (SSO client secret, webhook signing secret) cannot be decrypted: SECRET_KEY (or the data dir’s secret.key) is not the key it was saved with',
        );
      }
    },
  };
}
