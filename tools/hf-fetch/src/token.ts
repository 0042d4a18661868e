import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hfHome } from './cache.js';

/**
 * The access token, as huggingface_hub finds it: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else
 * the token file (`HF_TOKEN_PATH`, else `$HF_HOME/token`). White space is stripped; empty = none.
 * `HF_HUB_DISABLE_IMPLICIT_TOKEN` turns off the stored token (an explicit HF_TOKEN still counts).
 */
export async function readToken(env: Record<string, string | undefined>): Promise<string | undefined> {
  for (const v of [env.HF_TOKEN, env.HUGGING_FACE_HUB_TOKEN]) {
    const t = v?.trim();
    if (t) return t;
  }
  if (/^(1|on|yes|true)$/i.test(env.HF_HUB_DISABLE_IMPLICIT_TOKEN ?? '')) return undefined;
  const file = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
