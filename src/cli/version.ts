// The version memscope reports, from package.json (the one place it is kept).
import { readFileSync } from 'node:fs';
import { packageFile } from '../core/package-root.ts';

const packageJson = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
export const VERSION = packageJson.version;
